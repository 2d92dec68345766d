package io.nucleon.async.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An async call whose query has a malformed percent-escape is answered 400 by the http trigger
 * before the async route decodes its fields on the event loop (where the decoder's exception used to
 * close the connection and log a WARN); nothing is journaled.
 */
class AsyncMalformedQueryTest {

    @Test
    void aMalformedQueryIsRefusedWith400AndNotJournaled(@TempDir Path dir) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (AsyncFunction f = AsyncFunction.start(
                        (ctx, e) -> {
                            calls.incrementAndGet();
                            return "ok";
                        },
                        dir.toString(),
                        1,
                        Duration.ofSeconds(5),
                        a -> {});
                Socket s = new Socket("127.0.0.1", f.port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /async/greet?na%me=a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                            + "GET /p?x=1%&x=2 HTTP/1.1\r\nHost: x\r\nX-Nucleon-Async: true\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answers = readTwoAnswers(s.getInputStream());
            assertEquals(2, answers.split("HTTP/1.1 400 ", -1).length - 1, answers);
            assertTrue(answers.contains("malformed percent-escape"), answers);
            assertEquals(0L, f.asyncStatus().get("accepted"), f.asyncStatus().toString());
            assertEquals(0, calls.get());
        }
    }

    /** Reads until two Content-Length-framed answers have arrived. */
    private static String readTwoAnswers(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        int complete = 0;
        while (complete < 2) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            sb.append((char) b);
            String text = sb.toString();
            int head = text.lastIndexOf("\r\n\r\n");
            int cl = text.toLowerCase().lastIndexOf("content-length: ");
            if (head > 0 && cl > 0 && cl < head) {
                int length = Integer.parseInt(
                        text.substring(cl + 16, text.indexOf('\r', cl)).trim());
                if (text.length() - head - 4 == length) {
                    complete++;
                }
            }
        }
        return sb.toString();
    }
}
