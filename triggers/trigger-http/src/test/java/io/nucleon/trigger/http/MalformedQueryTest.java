package io.nucleon.trigger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.nucleon.api.Event;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A query with a malformed percent-escape is the client's mistake: the trigger answers it 400 itself
 * (the connection goes on) instead of handing the handler an event whose fields throw, which used to
 * be a 500 and an ERROR with a stack trace per request.
 */
class MalformedQueryTest {
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeEach
    void listen() {
        logged.start();
        root.addAppender(logged);
    }

    @AfterEach
    void stopListening() {
        root.detachAppender(logged);
    }

    @Test
    void answersAMalformedPercentEscapeWith400WithoutCallingTheHandler() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (RunningFunction f = RunningFunction.start(
                        (ctx, e) -> {
                            calls.incrementAndGet();
                            return "fields " + e.fields();
                        },
                        t -> {});
                RunningFunction.RawConnection c = f.raw()) {
            for (String target :
                    List.of("/?na%me=a", "/p?x=1%&x=2", "/p?x=%", "/p?x=%4", "/p?%zz=1", "/p?x=%\u0663\u0663")) {
                c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
                RunningFunction.RawResponse r = c.read();
                assertEquals(400, r.status(), target + ": " + r.body());
                assertTrue(r.body().contains("malformed percent-escape"), r.body());
            }
            c.send("GET /fine?a=1 HTTP/1.1\r\nHost: x\r\n\r\n"); // same connection: it was not closed
            assertEquals("fields {a=1}", c.read().body());
            assertEquals(1, calls.get());
        }
        assertEquals(List.of(), errorsAndWarnings());
    }

    @Test
    void decodesWellFormedEscapesPlusesAndNonUtf8Bytes() throws Exception {
        AtomicReference<Event> seen = new AtomicReference<>();
        try (RunningFunction f = RunningFunction.start(
                        (ctx, e) -> {
                            e.fields();
                            seen.set(e);
                            return "ok";
                        },
                        t -> {});
                RunningFunction.RawConnection c = f.raw()) {
            c.send("GET /a%zz/b?x=%C3%A9&y=%ff&z=a+b&w=%25 HTTP/1.1\r\nHost: x\r\n\r\n"); // HttpClient refuses such a
            // URI
            assertEquals(200, c.read().status());
            Event e = seen.get();
            assertEquals("\u00e9", e.field("x"));
            assertEquals("\ufffd", e.field("y")); // not UTF-8: the replacement character, not an error
            assertEquals("a b", e.field("z"));
            assertEquals("%", e.field("w"));
            assertEquals("/a%zz/b", e.path()); // the path as received: not decoded, so never malformed
        }
        assertEquals(List.of(), errorsAndWarnings());
    }

    @Test
    void keepsEveryParameterOfALongQuery() throws Exception {
        AtomicReference<Map<String, Object>> fields = new AtomicReference<>();
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> {
                    fields.set(e.fields());
                    return "ok";
                },
                t -> {})) {
            String query = String.join("&", Collections.nCopies(1500, "a")); // Netty's decoder stops at 1024 by default
            assertEquals(200, f.get("/?" + query).statusCode());
            assertEquals(1500, ((List<?>) fields.get().get("a")).size());
        }
    }

    @Test
    void checksOnlyTheQuery() {
        assertNull(HttpEvent.malformedQuery("/100%/x"));
        assertNull(HttpEvent.malformedQuery("/p?a=%41%42&b=%e9"));
        assertNull(HttpEvent.malformedQuery("/p"));
        assertTrue(HttpEvent.malformedQuery("/p?a=%4").contains("character 5"));
    }

    private List<String> errorsAndWarnings() {
        return logged.list.stream()
                .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage())
                .toList();
    }
}
