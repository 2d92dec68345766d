/**
 * Nucleon's engine: implements the API's {@link io.nucleon.api.Engine} and the SPI's contexts, and finds
 * triggers, runtimes and bindings with {@link java.util.ServiceLoader}. Nothing here is for handler or
 * plugin authors: they use {@code io.nucleon.api} and {@code io.nucleon.spi}. It exports no package:
 * the API's builder reaches it through the {@code Engine} service, the runnable jar through its
 * {@code Main-Class}.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"
}) // micrometer and prometheus name their modules in their manifests only
module io.nucleon.core {
    requires transitive io.nucleon.spi;
    requires com.lmax.disruptor;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires micrometer.registry.prometheus;
    requires io.prometheus.metrics.model;
    requires org.slf4j;
    requires static jdk.unsupported; // sun.misc.Signal, reached by reflection when present
    // ConsoleLogConfigurator, found by Logback through META-INF/services when the engine runs from a (fat) jar
    requires static ch.qos.logback.classic;
    requires static ch.qos.logback.core;

    uses io.nucleon.spi.TriggerFactory;
    uses io.nucleon.spi.RuntimeFactory;
    uses io.nucleon.spi.BindingFactory;
    uses io.nucleon.spi.HandlerAdapter; // the java runtime's handlers that are not io.nucleon.api.Handler

    provides io.nucleon.api.Engine with
            io.nucleon.core.CoreEngine;
    provides io.nucleon.spi.RuntimeFactory with
            io.nucleon.core.runtime.JavaRuntimeFactory;
}
