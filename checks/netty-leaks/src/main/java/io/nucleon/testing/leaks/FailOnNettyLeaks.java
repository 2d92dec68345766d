package io.nucleon.testing.leaks;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a leak while it ran (or since the class before it: a leak
 * is reported once the resource is garbage-collected, which {@link NettyLeaks#detect()} forces at the
 * end of every class). Registered for every test class of a module that has this artifact as a test
 * dependency, through JUnit's extension auto-detection ({@code junit-platform.properties} and
 * {@code META-INF/services/org.junit.jupiter.api.extension.Extension} in this jar), so no test asks
 * for it.
 */
public final class FailOnNettyLeaks implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        NettyLeaks.install(); // before the first test allocates: every buffer is tracked from then on
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> leaks = NettyLeaks.detect();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty leak report(s) while " + context.getDisplayName()
                    + " ran (a resource was garbage-collected without release()):\n\n" + String.join("\n\n", leaks));
        }
    }
}
