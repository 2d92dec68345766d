package io.nucleon.binding.mqtt;

import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Trigger;
import io.nucleon.spi.TriggerContext;
import io.nucleon.spi.TriggerFactory;

/**
 * A trigger kind for this module's tests, {@code test-idle}: it delivers nothing and is always ready,
 * so that a processor (which needs a trigger) can be started to open a data binding from its
 * attributes.
 */
public final class IdleTriggerFactory implements TriggerFactory {
    @Override
    public String kind() {
        return "test-idle";
    }

    @Override
    public Trigger create(TriggerContext context) {
        return new Trigger() {
            @Override
            public void start(Dispatcher dispatcher) {}

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void stopAccepting() {}

            @Override
            public void close() {}
        };
    }
}
