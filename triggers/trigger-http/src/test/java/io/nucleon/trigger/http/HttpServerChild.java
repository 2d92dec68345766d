package io.nucleon.trigger.http;

import io.nucleon.api.Processor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A processor with one http trigger in a process of its own, for tests that need their own heap
 * limit, file descriptors or system properties: {@code HttpServerChild <port file> [attribute=value ...]}
 * ({@code block.attribute=value} sets an attribute of a block such as {@code tls}). Writes
 * "{@code <http port> <control port>}" to the port file once it serves, and stops on SIGTERM. Its
 * handler answers {@code /heap} with the live heap in bytes (after a full GC), {@code /upload} with
 * the body's length, {@code /whoami} with the {@code auth.subject} field, anything else with {@code ok}.
 * An attribute {@code block.name=value} goes into the attribute block {@code block} (e.g. {@code auth.kind=basic}).
 */
public final class HttpServerChild {
    private HttpServerChild() {}

    public static void main(String[] args) throws Exception {
        Path portFile = Path.of(args[0]);
        Processor p = Processor.builder()
                .name("child")
                .handler((ctx, e) -> switch (e.path()) {
                    case "/heap" -> {
                        System.gc();
                        Runtime rt = Runtime.getRuntime();
                        yield Long.toString(rt.totalMemory() - rt.freeMemory());
                    }
                    case "/upload" -> Integer.toString(e.body().length);
                    case "/whoami" -> String.valueOf(e.field("auth.subject"));
                    default -> "ok";
                })
                .trigger("web", "http", t -> {
                    t.numWorkers(4).attribute("host", "127.0.0.1").attribute("port", 0);
                    Map<String, Map<String, Object>> blocks = new java.util.LinkedHashMap<>();
                    for (int i = 1; i < args.length; i++) {
                        int eq = args[i].indexOf('=');
                        String name = args[i].substring(0, eq);
                        String text = args[i].substring(eq + 1);
                        Object value = text.matches("\\d+") ? (Object) Long.parseLong(text) : text;
                        int dot = name.indexOf('.');
                        if (dot > 0) { // tls.certFile=... goes into the tls block
                            blocks.computeIfAbsent(name.substring(0, dot), k -> new java.util.LinkedHashMap<>())
                                    .put(name.substring(dot + 1), value);
                        } else {
                            t.attribute(name, value);
                        }
                    }
                    blocks.forEach(t::attribute);
                })
                .controlServer("127.0.0.1", 0)
                .build()
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> p.stop(Duration.ofSeconds(5))));
        @SuppressWarnings("unchecked")
        Map<String, Object> trigger = ((List<Map<String, Object>>) p.status().get("triggers")).get(0);
        Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
        Files.writeString(tmp, trigger.get("port") + " " + p.controlAddress().getPort());
        Files.move(tmp, portFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Thread.currentThread().join();
    }
}
