package io.nucleon.async.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InFlightWindowTest {

    @Test
    void advancesOnlyPastContiguousDoneEntries() {
        InFlightWindow w = new InFlightWindow();
        for (long i = 10; i < 15; i++) {
            w.add(i);
        }
        assertEquals(InFlightWindow.NO_ADVANCE, w.markDone(12, -1));
        assertEquals(InFlightWindow.NO_ADVANCE, w.markDone(11, -1));
        assertEquals(12, w.markDone(10, -1));
        assertEquals(InFlightWindow.NO_ADVANCE, w.markDone(14, 12));
        assertEquals(14, w.markDone(13, 12));
        assertEquals(0, w.size());
        assertEquals(InFlightWindow.NO_ADVANCE, w.markDone(13, 14), "a repeated markDone is ignored");
        assertThrows(IllegalArgumentException.class, () -> w.markDone(99, 14));
    }

    @Test
    void growsAndKeepsOrderWithRandomCompletion() {
        InFlightWindow w = new InFlightWindow();
        List<Long> idx = new ArrayList<>();
        for (long i = 0; i < 5000; i++) {
            w.add(i * 3);
            idx.add(i * 3);
        }
        Collections.shuffle(idx, new Random(1));
        long committed = -1;
        java.util.TreeSet<Long> done = new java.util.TreeSet<>();
        for (long i : idx) {
            done.add(i);
            long adv = w.markDone(i, committed);
            long expect = committed;
            while (done.contains(expect + (expect < 0 ? 1 : 3))) {
                expect += expect < 0 ? 1 : 3;
            }
            if (adv != InFlightWindow.NO_ADVANCE) {
                committed = adv;
            }
            assertEquals(expect, committed);
        }
        assertEquals(3 * 4999, committed);
    }
}
