/**
 * Nucleon's SPI: what a trigger, runtime or binding author uses. Every plugin compiles against this
 * module and {@code io.nucleon.api} alone; the engine implements the contexts and the dispatcher and
 * finds the factories through {@link java.util.ServiceLoader}.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"
}) // micrometer-core has no module-info (its Automatic-Module-Name)
module io.nucleon.spi {
    requires transitive io.nucleon.api;
    requires transitive com.fasterxml.jackson.databind;
    requires transitive micrometer.core;

    exports io.nucleon.spi;
}
