package io.nucleon.benchmarks.load;

import io.netty.buffer.ByteBuf;

/**
 * Reads HTTP/1.1 responses off a connection, one at a time, as their bytes arrive in any pieces:
 * the status code, whether the server will close the connection, and where the response ends
 * ({@code Content-Length}, {@code Transfer-Encoding: chunked}, no body for 1xx/204/304, or the end of
 * the connection when the response gives no length). Bodies are skipped, not kept. Interim 1xx
 * responses are skipped too.
 *
 * <p>Not thread-safe: one per connection, used on its event loop.
 */
final class ResponseParser {
    /** A response header block, or a chunk-size or trailer line, longer than this is a protocol error. */
    static final int MAX_LINE = 16 * 1024;

    private enum State {
        STATUS_LINE,
        HEADER,
        BODY_FIXED,
        CHUNK_SIZE,
        CHUNK_DATA,
        CHUNK_END,
        TRAILER,
        UNTIL_CLOSE
    }

    private State state = State.STATUS_LINE;
    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;
    private int status;
    private boolean http10;
    private boolean closeAfter;
    private boolean keepAliveHeader;
    private long contentLength;
    private boolean chunked;
    private long remaining;

    /** Thrown for bytes that are not an HTTP/1.x response. */
    static final class ProtocolException extends Exception {
        ProtocolException(String message) {
            super(message, null, false, false);
        }
    }

    /** The status code of the response being read or just completed. */
    int status() {
        return status;
    }

    /** Whether the server closes the connection after the response just completed. */
    boolean closeAfter() {
        return closeAfter;
    }

    /** Whether bytes of a response have arrived that is not complete yet. */
    boolean inResponse() {
        return state != State.STATUS_LINE || lineLength > 0;
    }

    /** Whether the response reads until the connection closes (it gave no length). */
    boolean readsUntilClose() {
        return state == State.UNTIL_CLOSE;
    }

    /**
     * Consumes bytes of {@code in} up to the end of one response.
     *
     * @return {@code true} when a response has completed (its status and {@link #closeAfter()} are
     *         then readable, and the bytes after it are left in {@code in}); {@code false} when all
     *         of {@code in} was consumed and the response goes on
     */
    boolean feed(ByteBuf in) throws ProtocolException {
        while (in.isReadable()) {
            switch (state) {
                case BODY_FIXED, CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    in.skipBytes(n);
                    remaining -= n;
                    if (remaining == 0) {
                        if (state == State.BODY_FIXED) {
                            return finish();
                        }
                        state = State.CHUNK_END;
                    }
                }
                case UNTIL_CLOSE -> in.skipBytes(in.readableBytes());
                default -> {
                    if (readLine(in) && lineDone()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Called when the connection has closed: completes a response that reads until the close. */
    boolean endOfInput() {
        if (state == State.UNTIL_CLOSE) {
            closeAfter = true;
            return finish();
        }
        return false;
    }

    /** Reads into {@link #line} up to a LF; {@code true} when a whole line (without CR LF) is there. */
    private boolean readLine(ByteBuf in) throws ProtocolException {
        while (in.isReadable()) {
            byte b = in.readByte();
            if (b == '\n') {
                if (lineLength > 0 && line[lineLength - 1] == '\r') {
                    lineLength--;
                }
                return true;
            }
            if (lineLength == MAX_LINE) {
                throw new ProtocolException("a response line longer than " + MAX_LINE + " bytes");
            }
            line[lineLength++] = b;
        }
        return false;
    }

    /** Acts on the line just read; {@code true} when it completed the response. */
    private boolean lineDone() throws ProtocolException {
        int n = lineLength;
        lineLength = 0;
        switch (state) {
            case STATUS_LINE -> {
                if (n == 0) {
                    return false; // tolerate a stray CRLF between responses
                }
                statusLine(n);
                state = State.HEADER;
            }
            case HEADER -> {
                if (n == 0) {
                    return headersDone();
                }
                header(n);
            }
            case CHUNK_SIZE -> {
                long size = 0;
                int digits = 0;
                for (int i = 0; i < n && line[i] != ';' && line[i] != ' ' && line[i] != '\t'; i++) {
                    int d = Character.digit(line[i], 16);
                    if (d < 0 || digits++ > 15) {
                        throw new ProtocolException("a bad chunk size");
                    }
                    size = size * 16 + d;
                }
                if (digits == 0) {
                    throw new ProtocolException("a bad chunk size");
                }
                if (size == 0) {
                    state = State.TRAILER;
                } else {
                    remaining = size;
                    state = State.CHUNK_DATA;
                }
            }
            case CHUNK_END -> {
                if (n != 0) {
                    throw new ProtocolException("no CRLF after a chunk");
                }
                state = State.CHUNK_SIZE;
            }
            case TRAILER -> {
                if (n == 0) {
                    return finish();
                }
            }
            default -> throw new IllegalStateException(state.name());
        }
        return false;
    }

    private void statusLine(int n) throws ProtocolException {
        // HTTP/1.x SSS reason
        if (n < 12
                || line[0] != 'H'
                || line[1] != 'T'
                || line[2] != 'T'
                || line[3] != 'P'
                || line[4] != '/'
                || line[5] != '1'
                || line[6] != '.'
                || line[8] != ' ') {
            throw new ProtocolException("not an HTTP/1.x status line: "
                    + new String(line, 0, Math.min(n, 80), java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        http10 = line[7] == '0';
        int code = 0;
        for (int i = 9; i < 12; i++) {
            int d = line[i] - '0';
            if (d < 0 || d > 9) {
                throw new ProtocolException("a bad status code");
            }
            code = code * 10 + d;
        }
        status = code;
        contentLength = -1;
        chunked = false;
        keepAliveHeader = false;
        closeAfter = false;
    }

    private void header(int n) throws ProtocolException {
        int colon = -1;
        for (int i = 0; i < n; i++) {
            if (line[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= 0) {
            throw new ProtocolException("a header line without a name");
        }
        int from = colon + 1;
        while (from < n && (line[from] == ' ' || line[from] == '\t')) {
            from++;
        }
        int to = n;
        while (to > from && (line[to - 1] == ' ' || line[to - 1] == '\t')) {
            to--;
        }
        if (nameIs("content-length", colon)) {
            long v = 0;
            if (from == to) {
                throw new ProtocolException("an empty Content-Length");
            }
            for (int i = from; i < to; i++) {
                int d = line[i] - '0';
                if (d < 0 || d > 9 || v > Long.MAX_VALUE / 10 - 9) {
                    throw new ProtocolException("a bad Content-Length");
                }
                v = v * 10 + d;
            }
            contentLength = v;
        } else if (nameIs("transfer-encoding", colon)) {
            chunked = valueContains("chunked", from, to);
        } else if (nameIs("connection", colon)) {
            if (valueContains("close", from, to)) {
                closeAfter = true;
            }
            if (valueContains("keep-alive", from, to)) {
                keepAliveHeader = true;
            }
        }
    }

    private boolean headersDone() {
        if (http10 && !keepAliveHeader) {
            closeAfter = true;
        }
        if (status >= 100 && status < 200) {
            state = State.STATUS_LINE; // an interim response: the real one follows
            return false;
        }
        if (status == 204 || status == 304) {
            return finish();
        }
        if (chunked) {
            state = State.CHUNK_SIZE;
        } else if (contentLength >= 0) {
            if (contentLength == 0) {
                return finish();
            }
            remaining = contentLength;
            state = State.BODY_FIXED;
        } else {
            state = State.UNTIL_CLOSE;
        }
        return false;
    }

    private boolean finish() {
        state = State.STATUS_LINE;
        lineLength = 0;
        return true;
    }

    private boolean nameIs(String lowerCaseName, int length) {
        if (length != lowerCaseName.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (Character.toLowerCase((char) line[i]) != lowerCaseName.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean valueContains(String lowerCaseWord, int from, int to) {
        int w = lowerCaseWord.length();
        outer:
        for (int i = from; i + w <= to; i++) {
            for (int j = 0; j < w; j++) {
                if (Character.toLowerCase((char) line[i + j]) != lowerCaseWord.charAt(j)) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
