package io.nucleon.trigger.kafka;

/** The same trigger under Nuclio's kind name, {@code kafka-cluster}, so Nuclio's function.yaml files run as they are. */
public final class NuclioKafkaTriggerFactory extends KafkaTriggerFactory {
    @Override
    public String kind() {
        return "kafka-cluster";
    }
}
