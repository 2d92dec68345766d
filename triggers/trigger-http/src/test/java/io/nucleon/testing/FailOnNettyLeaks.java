package io.nucleon.testing;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran (or since the class before it:
 * a leak is reported when the buffer is collected, which may be later). Registered for every test
 * class of the module through JUnit's extension auto-detection ({@code junit-platform.properties} and
 * {@code META-INF/services/org.junit.jupiter.api.extension.Extension}), so no test needs to ask for it.
 * See {@link NettyLeaks} for how the reports are collected.
 */
public final class FailOnNettyLeaks implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) {
        List<String> leaks = NettyLeaks.detect();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty buffer leak(s) reported while " + context.getDisplayName()
                    + " ran:\n\n" + String.join("\n\n", leaks));
        }
    }
}
