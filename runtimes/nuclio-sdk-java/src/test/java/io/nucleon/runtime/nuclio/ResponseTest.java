package io.nucleon.runtime.nuclio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuclio.Response;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Nuclio's {@link Response}: its defaults and chained setters, and how it reads as Nucleon's. */
class ResponseTest {

    @Test
    void startsWithNuclioDefaults() {
        Response r = new Response();
        assertEquals(200, r.getStatusCode());
        assertEquals("text/plain", r.getContentType());
        assertEquals(0, r.getBody().length);
        assertTrue(r.getHeaders().isEmpty());
    }

    @Test
    void settersChainAndKeepWhatTheyAreGiven() {
        Map<String, Object> headers = Map.of("h1", "v1", "h2", 2);
        Response r = new Response()
                .setHeaders(headers)
                .setBody("tëst")
                .setStatusCode(207)
                .setContentType("application/json");
        assertEquals(207, r.getStatusCode());
        assertEquals("application/json", r.getContentType());
        assertArrayEquals("tëst".getBytes(StandardCharsets.UTF_8), r.getBody());
        assertSame(headers, r.getHeaders());
    }

    @Test
    void readsAsNucleonsResponse() {
        io.nucleon.api.Response r = NuclioResponses.toNucleon(new Response()
                .setHeaders(Map.of("Content-Type", "text/html", "X-N", 2))
                .setContentType("application/json")
                .setStatusCode(202)
                .setBody(new byte[] {1, 2}));
        assertEquals(202, r.status());
        assertEquals("application/json", r.contentType(), "the content type is over the header's");
        assertEquals(Map.of("X-N", "2"), r.headers());
        assertArrayEquals(new byte[] {1, 2}, r.body());
        assertEquals(204, NuclioResponses.toNucleon(null).status());
    }
}
