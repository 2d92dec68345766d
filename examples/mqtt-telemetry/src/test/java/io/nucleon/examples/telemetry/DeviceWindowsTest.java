package io.nucleon.examples.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Per-device windows: their summaries, duplicates, failed publishes, and many workers at once. */
class DeviceWindowsTest {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    private static Reading reading(String device, long seq, double temperature, double humidity) {
        return new Reading(device, seq, T0.plusSeconds(seq), temperature, humidity);
    }

    @Test
    void everySizeReadingsOfADeviceMakeOneSummary() {
        DeviceWindows w = new DeviceWindows(3);
        assertEquals(List.of(), w.add(reading("a", 1, 20, 40), false));
        assertEquals(List.of(), w.add(reading("b", 1, 30, 50), false));
        assertEquals(List.of(), w.add(reading("a", 3, 22, 44), true));
        List<WindowSummary> due = w.add(reading("a", 2, 24, 42), false);
        assertEquals(
                List.of(new WindowSummary(
                        "a",
                        3,
                        1,
                        3,
                        T0.plusSeconds(1),
                        T0.plusSeconds(3),
                        new WindowSummary.Stats(20, 24, 22),
                        new WindowSummary.Stats(40, 44, 42),
                        1,
                        false)),
                due);
        assertEquals("a-summary-1-3-3", due.get(0).messageId());
        assertEquals(0, w.pending("a"), "a new window");
        assertEquals(1, w.pending("b"));
        assertEquals(3, w.lastSeq("a"));
    }

    @Test
    void aReadingHandledTwiceIsCountedOnce() {
        DeviceWindows w = new DeviceWindows(2);
        w.add(reading("a", 1, 20, 40), false);
        assertEquals(List.of(), w.add(reading("a", 1, 20, 40), true));
        assertEquals(1, w.pending("a"));
        assertEquals(1, w.add(reading("a", 2, 20, 40), false).size());
        assertEquals(List.of(), w.add(reading("a", 2, 20, 40), true), "even once its window is closed");
        assertEquals(0, w.pending("a"));
    }

    @Test
    void summariesPutBackComeWithTheDevicesNextReading() {
        DeviceWindows w = new DeviceWindows(1);
        List<WindowSummary> first = w.add(reading("a", 1, 20, 40), false);
        w.putBack("a", first);
        List<WindowSummary> again = w.add(reading("a", 1, 20, 40), true); // the event retried
        assertEquals(first, again, "the duplicate is not counted, the summary comes back");
        w.putBack("a", again);
        List<WindowSummary> both = w.add(reading("a", 2, 21, 41), false);
        assertEquals(2, both.size());
        assertEquals(first.get(0), both.get(0), "oldest first");
    }

    @Test
    void closeAllHandsOverTheOpenWindowsAsPartialSummaries() {
        DeviceWindows w = new DeviceWindows(3);
        w.add(reading("a", 1, 20, 40), false);
        w.add(reading("a", 2, 22, 42), false);
        w.add(reading("b", 1, 30, 50), false);
        List<WindowSummary> open = w.closeAll();
        assertEquals(2, open.size(), open::toString);
        WindowSummary a =
                open.stream().filter(s -> s.device().equals("a")).findFirst().orElseThrow();
        assertEquals(2, a.count());
        assertTrue(a.partial());
        assertEquals(new WindowSummary.Stats(20, 22, 21), a.temperature());
        assertEquals(List.of(), w.closeAll(), "nothing left for the next worker");
        assertEquals(0, w.pending("a"));
    }

    @Test
    void fourWorkersOnTheSameDevicesLoseNoReading() throws Exception {
        int devices = 10;
        int perDevice = 10_000;
        int size = 100;
        DeviceWindows w = new DeviceWindows(size);
        List<WindowSummary> summaries = Collections.synchronizedList(new ArrayList<>());
        ExecutorService workers = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int worker = t;
            done.add(workers.submit(() -> {
                go.await();
                for (int seq = worker; seq < perDevice; seq += 4) { // each worker a quarter of every device
                    for (int d = 0; d < devices; d++) {
                        summaries.addAll(w.add(reading("d" + d, seq, seq % 50, 50), false));
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        workers.shutdown();
        assertEquals(devices * perDevice / size, summaries.size());
        for (int d = 0; d < devices; d++) {
            String device = "d" + d;
            List<WindowSummary> mine =
                    summaries.stream().filter(s -> s.device().equals(device)).toList();
            assertEquals(perDevice, mine.stream().mapToInt(WindowSummary::count).sum(), device);
            assertTrue(mine.stream().allMatch(s -> s.count() == size), device);
            assertEquals(perDevice - 1, w.lastSeq(device));
        }
    }
}
