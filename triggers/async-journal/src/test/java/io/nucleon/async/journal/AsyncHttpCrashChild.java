package io.nucleon.async.journal;

import io.nucleon.api.Handler;
import io.nucleon.api.Response;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The child JVM of {@link AsyncHttpCrashTest}: a processor with async calls on {@code args[0]}, a
 * handler that appends each body to {@code args[2]} when it runs; writes its port to
 * {@code args[1]} and runs until killed. Further arguments {@code name=value} are async attributes
 * (an integer value is bound as a number; {@code callbackAllowedHosts} is a comma-separated list), except {@code handler}: {@code slow} (default: 150 ms,
 * then answers 201 {@code text/plain} "child <body>") or {@code fail} (throws at once).
 */
public final class AsyncHttpCrashChild {
    public static void main(String[] args) throws Exception {
        Path handled = Path.of(args[2]);
        Map<String, Object> attributes = new LinkedHashMap<>();
        String mode = "slow";
        for (int i = 3; i < args.length; i++) {
            String name = args[i].substring(0, args[i].indexOf('='));
            String value = args[i].substring(name.length() + 1);
            if (name.equals("handler")) {
                mode = value;
            } else if (name.equals("callbackAllowedHosts")) {
                attributes.put(name, java.util.List.of(value.split(",")));
            } else {
                attributes.put(name, value.matches("\\d+") ? (Object) Integer.valueOf(value) : value);
            }
        }
        boolean fail = switch (mode) {
            case "slow" -> false;
            case "fail" -> true;
            default -> throw new IllegalArgumentException("handler must be slow or fail, got " + mode);
        };
        Handler handler = (ctx, e) -> {
            if (!fail) {
                Thread.sleep(150); // a slow handler: the behaviour under test (calls in flight when the kill comes)
            }
            synchronized (AsyncHttpCrashChild.class) {
                Files.writeString(
                        handled,
                        e.bodyAsString() + "\n",
                        StandardCharsets.US_ASCII,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            }
            if (fail) {
                throw new IllegalStateException("child fails on purpose");
            }
            return Response.status(201)
                    .contentType("text/plain")
                    .body("child " + e.bodyAsString())
                    .build();
        };
        AsyncFunction f = AsyncFunction.start(handler, args[0], 2, Duration.ofSeconds(30), a -> a.putAll(attributes));
        Path tmp = Path.of(args[1] + ".tmp");
        Files.writeString(tmp, Integer.toString(f.port));
        Files.move(tmp, Path.of(args[1]));
        new CountDownLatch(1).await(); // serves until the test kills this process
    }
}
