package io.nucleon.trigger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCounted;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.spi.TriggerContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenSSL contexts are reference-counted (no finalizers): the one replaced by a reload is
 * released, a connection's engine holds its context until the connection closes, and closing the
 * trigger's TLS lets go of the last one.
 */
class HttpTlsContextLifecycleTest {
    @TempDir
    Path dir;

    @Test
    void releasesReplacedContextsOnceTheirConnectionsAreGone() throws Exception {
        TestPki.Ca ca = TestPki.Ca.create("Lifecycle CA");
        TestPki.Files2 files = ca.server(1).write(dir, "server");
        HttpTlsConfig config = new HttpTlsConfig();
        config.certFile = files.cert().toString();
        config.keyFile = files.key().toString();
        config.provider = "openssl";
        config.reloadInterval = Duration.ZERO; // checked by hand below
        HttpTls tls = HttpTls.open(new Context(), config, Duration.ofSeconds(5));
        SslContext first = tls.context();
        assertEquals(1, refCnt(first));

        EmbeddedChannel connection = new EmbeddedChannel();
        tls.addTo(connection, connection.pipeline());
        assertEquals(2, refCnt(first)); // the connection's engine holds it

        TestPki.Files2 next = ca.server(2).write(Files.createDirectory(dir.resolve("next")), "server");
        Files.move(next.cert(), files.cert(), StandardCopyOption.REPLACE_EXISTING);
        Files.move(next.key(), files.key(), StandardCopyOption.REPLACE_EXISTING);
        tls.checkFiles();
        SslContext second = tls.context();
        assertNotSame(first, second);
        assertEquals(1, refCnt(first)); // released by the reload; still held by the open connection
        assertEquals(1, refCnt(second));

        connection.finishAndReleaseAll();
        connection.close();
        assertEquals(0, refCnt(first));

        tls.checkFiles(); // nothing changed: nothing happens
        assertSame(second, tls.context());
        tls.close();
        assertEquals(0, refCnt(second));
        tls.close(); // once is enough
    }

    private static int refCnt(SslContext context) {
        return ((ReferenceCounted) context).refCnt();
    }

    /** Just what HttpTls asks of its trigger's context. */
    private static final class Context implements TriggerContext {
        private final MeterRegistry registry = new SimpleMeterRegistry();

        @Override
        public String functionName() {
            return "f";
        }

        @Override
        public String name() {
            return "web";
        }

        @Override
        public String kind() {
            return "http";
        }

        @Override
        public int numWorkers() {
            return 1;
        }

        @Override
        public Duration workerAvailabilityTimeout() {
            return Duration.ofSeconds(1);
        }

        @Override
        public Duration eventTimeout() {
            return Duration.ofSeconds(1);
        }

        @Override
        public <T> T attributes(Class<T> type) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FunctionConfigException attributeError(String attribute, String message) {
            return new FunctionConfigException("attributes." + attribute, message);
        }

        @Override
        public Counter counter(String name, String description) {
            return registry.counter(name);
        }

        @Override
        public MeterRegistry meterRegistry() {
            return registry;
        }

        @Override
        public void adminEndpoint(String path, java.util.Set<String> methods, io.nucleon.spi.AdminEndpoint endpoint) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.Set<java.net.InetSocketAddress> processorAddresses() {
            return java.util.Set.of();
        }
    }
}
