package io.nucleon.runtime.external.supervision;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.StringJoiner;

/**
 * Reads a wrapper's stdout or stderr line by line into the processor's log through the worker's
 * {@link WrapperLog} (which escapes them and drops those over its budget), keeping the last lines
 * for error reports. It always keeps reading, whatever is dropped, so the wrapper never blocks on a
 * full pipe. A line longer than {@link #MAX_LINE} bytes is logged cut and the rest of it, up to its
 * line feed, is skipped: memory stays bounded whatever the wrapper writes. One daemon thread per
 * stream; it ends with the process.
 */
final class OutputPump implements Runnable {
    private static final int MAX_LINE = WrapperLog.MAX_OUTPUT_LINE_BYTES;
    private static final int TAIL_LINES = 20;
    private static final byte[] CUT_MARK =
            ("… [cut at " + MAX_LINE + " bytes; the rest of the line is skipped]").getBytes(StandardCharsets.UTF_8);

    private final InputStream in;
    private final WrapperLog log;
    private final WrapperLog.Source source;
    private final long pid;
    private final ArrayDeque<byte[]> tail = new ArrayDeque<>();
    private final Thread thread;

    OutputPump(InputStream in, WrapperLog log, WrapperLog.Source source, String threadName, long pid) {
        this.in = in;
        this.log = log;
        this.source = source;
        this.pid = pid;
        this.thread = new Thread(this, threadName);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    @Override
    public void run() {
        byte[] buf = new byte[8192];
        byte[] line = new byte[MAX_LINE];
        int n = 0;
        boolean skipping = false; // past the cut of an over-long line, until its line feed
        try (InputStream s = in) {
            int r;
            while ((r = s.read(buf)) >= 0) {
                int i = 0;
                while (i < r) {
                    int nl = indexOf(buf, (byte) '\n', i, r);
                    int end = nl < 0 ? r : nl;
                    if (!skipping) {
                        int take = Math.min(end - i, MAX_LINE - n);
                        System.arraycopy(buf, i, line, n, take);
                        n += take;
                        if (end - i > take) {
                            emit(line, n, true);
                            n = 0;
                            skipping = true;
                        }
                    }
                    if (nl < 0) {
                        break;
                    }
                    if (!skipping) {
                        emit(line, n, false);
                    }
                    n = 0;
                    skipping = false;
                    i = nl + 1;
                }
            }
        } catch (IOException ignored) {
            // the process is gone
        }
        if (n > 0 && !skipping) {
            emit(line, n, false);
        }
    }

    private static int indexOf(byte[] b, byte v, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private void emit(byte[] line, int n, boolean cut) {
        int end = !cut && n > 0 && line[n - 1] == '\r' ? n - 1 : n;
        byte[] copy;
        if (cut) {
            copy = Arrays.copyOf(line, end + CUT_MARK.length);
            System.arraycopy(CUT_MARK, 0, copy, end, CUT_MARK.length);
        } else {
            copy = Arrays.copyOf(line, end);
        }
        synchronized (tail) {
            if (tail.size() == TAIL_LINES) {
                tail.removeFirst();
            }
            tail.addLast(copy);
        }
        if (log.admit(source)) {
            log.outputLine(source, pid, new String(copy, StandardCharsets.UTF_8));
        }
    }

    /**
     * The last lines read, escaped, each on its own line starting with a tab; after waiting (briefly)
     * for the stream's end when the process has exited.
     */
    String lastLines(long waitMillis) {
        try {
            thread.join(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StringJoiner j = new StringJoiner("\n");
        synchronized (tail) {
            for (byte[] l : tail) {
                j.add("\t" + UntrustedText.oneLine(new String(l, StandardCharsets.UTF_8)));
            }
        }
        return j.toString();
    }
}
