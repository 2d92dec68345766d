package io.nucleon.testing.leaks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The extension as a module gets it: auto-detected from this jar's service entry and properties, it
 * fails a test class that leaks a buffer, and lets a clean one pass. The classes under test are run
 * through the JUnit Platform launcher, as surefire runs them.
 */
class FailOnNettyLeaksTest {

    @Test
    void aTestClassThatLeaksABufferFailsNamingTheLeak() {
        TestExecutionSummary summary = run(LeakingFixture.class);
        assertEquals(1, summary.getTestsSucceededCount(), "the test itself passes: the leak fails its class");
        assertEquals(1, summary.getContainersFailedCount(), "the leaking class failed");
        List<TestExecutionSummary.Failure> failures = summary.getFailures();
        assertEquals(1, failures.size());
        Throwable failure = failures.get(0).getException();
        assertInstanceOf(AssertionError.class, failure);
        assertTrue(
                failure.getMessage().startsWith("1 Netty leak report(s) while LeakingFixture ran"),
                failure.getMessage());
        assertTrue(failure.getMessage().contains(LeakingFixture.HINT), failure.getMessage());
    }

    @Test
    void aTestClassThatReleasesEverythingPasses() {
        TestExecutionSummary summary = run(CleanFixture.class);
        assertEquals(1, summary.getTestsSucceededCount());
        assertEquals(
                0, summary.getTotalFailureCount(), () -> summary.getFailures().toString());
    }

    private static TestExecutionSummary run(Class<?> testClass) {
        // what the jar's junit-platform.properties says; given here too, so the result does not depend on
        // which junit-platform.properties comes first on this module's test class path
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(testClass))
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        return listener.getSummary();
    }
}
