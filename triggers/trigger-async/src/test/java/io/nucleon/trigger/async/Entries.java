package io.nucleon.trigger.async;

import java.nio.charset.StandardCharsets;

/** Test entries. */
final class Entries {
    private Entries() {
    }

    static JournalEntry numbered(int n) {
        return JournalEntry.builder().id(String.format("e-%05d", n)).receivedAtMillis(1_700_000_000_000L + n)
                .method("POST").path("/fn").url("http://localhost:8080/fn?n=" + n)
                .header("Content-Type", "application/json").header("X-Request-Id", "r" + n)
                .field("n", Integer.toString(n)).contentType("application/json")
                .body(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8)).build();
    }

    static int number(JournalEntry e) {
        return Integer.parseInt(e.id().substring(2));
    }
}
