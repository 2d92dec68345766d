package io.nucleon.trigger.mqtt;

import io.nucleon.api.Processor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A processor in a process of its own, for the test that kills it with SIGKILL: it subscribes to
 * {@code args[1]} on the broker at {@code args[0]} as client {@code args[2]}, and its handler appends
 * each message's body as a line to {@code args[3]} before it returns (so before the message is
 * acknowledged). {@code args[4]}, when given, is the MQTT version (3 or 5).
 */
public final class CrashableMqttFunction {
    private CrashableMqttFunction() {}

    public static void main(String[] args) throws Exception {
        FileChannel out = FileChannel.open(
                Path.of(args[3]), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        Processor p = Processor.builder()
                .name("crashable")
                .withoutControlServer()
                .handler((ctx, event) -> {
                    byte[] line = (event.bodyAsString() + "\n").getBytes(StandardCharsets.UTF_8);
                    synchronized (out) {
                        try {
                            out.write(ByteBuffer.wrap(line));
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    return null;
                })
                .trigger(
                        "telemetry",
                        "mqtt",
                        t -> t.numWorkers(4)
                                .attribute("url", args[0])
                                .attribute("clientId", args[2])
                                .attribute("mqttVersion", args.length > 4 ? Integer.parseInt(args[4]) : 5)
                                .attribute("subscriptions", List.of(Map.of("topic", args[1], "qos", 1))))
                .build()
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> p.stop(Duration.ofSeconds(5))));
        Thread.currentThread().join(); // until killed
    }
}
