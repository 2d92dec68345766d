package io.nucleon.runtime.external.supervision;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LogLineBudgetTest {

    @Test
    void admitsABurstThenRefusesUntilTimeRefillsIt() {
        LogLineBudget budget = new LogLineBudget(1, 5); // one line a second: no refill during the test's first loop
        for (int i = 0; i < 5; i++) {
            assertTrue(budget.tryTake(), "line " + i + " of the burst");
        }
        for (int i = 0; i < 100; i++) {
            assertFalse(budget.tryTake());
        }
    }

    @Test
    void manyThreadsTogetherGetNoMoreThanTheBurstAndTheRate() throws Exception {
        int perSecond = 1000;
        int burst = 200;
        LogLineBudget budget = new LogLineBudget(perSecond, burst);
        AtomicInteger admitted = new AtomicInteger();
        long start = System.nanoTime();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 200_000; i++) {
                    if (budget.tryTake()) {
                        admitted.incrementAndGet();
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long allowed = burst + (long) Math.ceil(seconds * perSecond) + 1;
        assertTrue(admitted.get() <= allowed, admitted + " admitted in " + seconds + " s; at most " + allowed);
        assertTrue(admitted.get() >= burst, admitted + " admitted; the burst alone is " + burst);
    }

    @Test
    void refusesARateOrBurstBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> new LogLineBudget(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new LogLineBudget(1, 0));
    }
}
