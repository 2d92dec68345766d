package io.nucleon.trigger.async;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * The child JVM of {@link AsyncHttpCrashTest}: a processor with async calls on {@code args[0]}, a
 * slow handler that appends each body to {@code args[2]} once handled; writes its port to
 * {@code args[1]} and runs until killed.
 */
public final class AsyncHttpCrashChild {
    public static void main(String[] args) throws Exception {
        Path handled = Path.of(args[2]);
        AsyncFunction f = AsyncFunction.start((ctx, e) -> {
            Thread.sleep(150);
            synchronized (AsyncHttpCrashChild.class) {
                Files.writeString(handled, e.bodyAsString() + "\n", StandardCharsets.US_ASCII,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            return "child " + e.bodyAsString();
        }, args[0], 2, Duration.ofSeconds(30), a -> { });
        Path tmp = Path.of(args[1] + ".tmp");
        Files.writeString(tmp, Integer.toString(f.port));
        Files.move(tmp, Path.of(args[1]));
        Thread.sleep(Long.MAX_VALUE);
    }
}
