package io.nucleon.trigger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.Event;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * CloudEvents a client got wrong are answered 400 by the trigger (structured mode is parsed on the
 * event loop), and binary-mode attributes a client got wrong never make an accessor throw.
 */
class MalformedCloudEventTest {
    private static final String ENVELOPE = "{\"id\":\"1\",\"source\":\"/s\",\"specversion\":\"1.0\",\"type\":\"t\"";

    @Test
    void answersBrokenStructuredEnvelopesWith400WithoutCallingTheHandler() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> {
                    calls.incrementAndGet();
                    return "ok";
                },
                t -> {})) {
            String deep = "[".repeat(100_000) + "]".repeat(100_000);
            for (String body : new String[] {
                ENVELOPE + ",\"data\":" + deep + "}", // nested far deeper than a parser should follow
                ENVELOPE + ",\"data\":1,\"data_base64\":\"aGk=\"}", // both
                ENVELOPE + ",\"data_base64\":\"!!not base64!!\"}",
                "{\"id\":\"1\"}", // attributes missing
                ENVELOPE, // truncated
                "[1,2,3]",
                ""
            }) {
                var r = f.post("/ce", "application/cloudevents+json", body.getBytes(StandardCharsets.UTF_8));
                assertEquals(400, r.statusCode(), body.length() > 200 ? body.substring(0, 200) : body);
                assertTrue(r.body().contains("CloudEvents") || r.body().contains("data_base64"), r.body());
            }
            assertEquals(0, calls.get());
        }
    }

    @Test
    void binaryModeAttributesThatMakeNoSenseDoNotBreakTheEvent() throws Exception {
        AtomicReference<Event> seen = new AtomicReference<>();
        AtomicReference<Instant> time = new AtomicReference<>();
        try (RunningFunction f = RunningFunction.start(
                        (ctx, e) -> {
                            seen.set(e);
                            time.set(e.timestamp());
                            e.id();
                            e.type();
                            return "ok";
                        },
                        t -> {});
                RunningFunction.RawConnection c = f.raw()) {
            c.send("POST /ce HTTP/1.1\r\nHost: x\r\nce-id: \u00ff\u00fe\r\nce-time: yesterday-ish\r\nce-type:\r\n"
                    + "Content-Length: 0\r\n\r\n");
            assertEquals(200, c.read().status());
            assertNotNull(time.get()); // not RFC 3339: the arrival time
            assertEquals("\u00ff\u00fe", seen.get().id());
            assertEquals("", seen.get().type());
        }
    }
}
