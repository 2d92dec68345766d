package io.nucleon.trigger.nats;

import io.nucleon.api.Processor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A processor in a process of its own, for {@link NatsAtLeastOnceTest}: reads the stream with the
 * nats trigger and appends each handled message's id to a file (a write the operating system keeps
 * when the process is killed) before the handler returns, so before the ack. After {@code stopAfter}
 * messages its handlers hang, as a process does that is about to be killed mid-stream.
 *
 * <p>Arguments: url, stream, subject filter, consumer, handled file, stopAfter.
 */
public final class CrashableNatsFunction {
    private CrashableNatsFunction() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String stream = args[1];
        String subjects = args[2];
        String consumer = args[3];
        Path handled = Path.of(args[4]);
        int stopAfter = Integer.parseInt(args[5]);
        AtomicInteger count = new AtomicInteger();
        CountDownLatch never = new CountDownLatch(1);
        Processor p = Processor.builder()
                .name("crash")
                .withoutControlServer()
                .handler((ctx, e) -> {
                    if (count.incrementAndGet() > stopAfter) {
                        never.await(); // stuck with its message unacknowledged until the kill
                    }
                    Files.write(
                            handled,
                            (e.id() + "\n").getBytes(StandardCharsets.UTF_8),
                            StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                    return null;
                })
                .eventTimeout(Duration.ofSeconds(60))
                .trigger(
                        "orders",
                        "nats",
                        t -> t.numWorkers(4)
                                .attribute("url", url)
                                .attribute("stream", stream)
                                .attribute("subjects", List.of(subjects))
                                .attribute("consumer", consumer)
                                .attribute("ackWait", "2s")
                                .attribute("maxAckPending", 64))
                .build()
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> p.stop(Duration.ofSeconds(1))));
        never.await();
    }
}
