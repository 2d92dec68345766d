package io.nucleon.trigger.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The window's arithmetic: room in arrival order, freed only from the oldest message on. */
class InFlightWindowTest {
    private static MqttEvent event(long n) {
        Received r = new Received("t", new byte[0], 1, false, (int) n, false, null, null, null, List.of(), () -> {});
        return new MqttEvent("w", r, "test-", n);
    }

    @Test
    void aMessageBeyondTheWindowWaitsUntilTheOldestFinishes() {
        InFlightWindow w = new InFlightWindow(3);
        List<Long> handedOut = new ArrayList<>();
        List<MqttEvent> events = new ArrayList<>();
        for (long i = 1; i <= 6; i++) {
            MqttEvent e = event(i);
            events.add(e);
            long n = i;
            w.admit(e, () -> handedOut.add(n));
        }
        assertEquals(List.of(1L, 2L, 3L), handedOut);
        assertEquals(Map.of("inFlight", 3L, "waiting", 3), Map.of("inFlight", w.inFlight(), "waiting", w.waiting()));

        // 2 and 3 finish while 1 is held (a retry): their acknowledgements wait behind 1's, no room frees
        w.finished(events.get(1));
        w.finished(events.get(2));
        assertEquals(List.of(1L, 2L, 3L), handedOut);
        assertEquals(3L, w.inFlight());

        // 1 finishes: the start moves past 1, 2 and 3, and the three waiting go out, in order
        w.finished(events.get(0));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), handedOut);
        assertEquals(3L, w.inFlight());
        assertEquals(0, w.waiting());

        w.finished(events.get(0)); // twice: no effect
        assertEquals(3L, w.inFlight());
        for (int i = 3; i < 6; i++) {
            w.finished(events.get(i));
        }
        assertEquals(0L, w.inFlight());
    }

    @Test
    void aRetriedMessageKeepsItsPlace() {
        InFlightWindow w = new InFlightWindow(2);
        MqttEvent first = event(1);
        w.admit(first, () -> {});
        MqttEvent retry = first.nextAttempt();
        w.finished(retry); // the retry's success finishes the original place
        assertEquals(0L, w.inFlight());
    }
}
