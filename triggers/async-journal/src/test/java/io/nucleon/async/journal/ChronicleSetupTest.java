package io.nucleon.async.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import net.openhft.chronicle.core.analytics.AnalyticsFacade;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChronicleSetupTest {

    @Test
    void analyticsAreDisabledAndNothingReachesForTheNetwork(@TempDir Path dir) {
        // Chronicle's analytics send over HttpURLConnection, which asks the default ProxySelector
        // for every http(s) URL it opens: record any such request while a journal is used.
        List<URI> asked = new CopyOnWriteArrayList<>();
        ProxySelector previous = ProxySelector.getDefault();
        ProxySelector.setDefault(new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                asked.add(uri);
                return List.of(Proxy.NO_PROXY);
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
        });
        try (AsyncJournal j = AsyncJournalTest.options(dir).open()) {
            j.append(Entries.numbered(1));
            j.markDone(j.poll().index());
            j.succeeded(Entries.numbered(1), 1, 200, null, new byte[0]);
        } finally {
            ProxySelector.setDefault(previous);
        }
        assertEquals("true", System.getProperty(ChronicleSetup.ANALYTICS_DISABLE));
        assertThrows(
                ClassNotFoundException.class,
                () -> Class.forName("net.openhft.chronicle.analytics.Analytics"),
                "the chronicle-analytics jar is excluded");
        assertFalse(AnalyticsFacade.isEnabled(), "Chronicle reports its analytics off");
        assertTrue(asked.isEmpty(), "no URL was opened: " + asked);
    }

    @Test
    void theJvmFlagsAreKnownAndPresentInTheTestJvm() {
        List<String> flags = ChronicleSetup.requiredJvmFlags();
        assertEquals(10, flags.size(), flags.toString());
        assertTrue(flags.contains("--add-opens=java.base/java.lang=ALL-UNNAMED"));
        assertEquals(List.of(), ChronicleSetup.missingJvmFlags(), "surefire's argLine passes every flag");
    }
}
