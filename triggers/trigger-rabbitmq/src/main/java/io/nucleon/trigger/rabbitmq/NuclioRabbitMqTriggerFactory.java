package io.nucleon.trigger.rabbitmq;

/** The same trigger under Nuclio's kind name, {@code rabbit-mq}, so Nuclio's function.yaml files run as they are. */
public final class NuclioRabbitMqTriggerFactory extends RabbitMqTriggerFactory {
    @Override
    public String kind() {
        return "rabbit-mq";
    }
}
