package io.nucleon.trigger.nats;

import io.nucleon.spi.NuclioAttributes;
import io.nucleon.spi.NuclioTranslation;
import java.util.List;

/**
 * How the {@code nats} trigger reads the attributes of Nuclio's {@code nats} trigger
 * ({@code pkg/processor/trigger/nats} in nuclio/nuclio): {@code topic}, one subject, and
 * {@code queueName}, the queue group. The engine moves the trigger's {@code url} (Nuclio writes it
 * as {@code host:port}) into the attributes; the factory adds the {@code nats://} scheme.
 *
 * <p>Nuclio's trigger reads core NATS, at most once, and so does this one when the file names no
 * {@code stream}. A queue name written as a Go template ({@code {{.Name}}-workers}) is not expanded:
 * it is an error naming the fields to write out.
 */
final class NuclioNatsAttributes {

    static final NuclioAttributes TRANSLATION = NuclioTranslation.builder("nats", NatsTriggerConfig.class)
            .kept("url")
            .rule("topic", (value, step) -> {
                if (!value.isTextual() || value.asText().isBlank()) {
                    step.error("must be a subject, such as orders.created or orders.>, got " + value);
                } else {
                    step.set("subjects", List.of(value.asText()));
                }
            })
            .rule("queueName", (value, step) -> {
                String q = value.asText();
                if (q.contains("{{")) {
                    step.error(
                            "is a Go template (" + q + "), which Nucleon does not expand: write the queue"
                                    + " group's name out (the function's name, namespace and labels are known when you write it)");
                } else if (!q.isEmpty()) {
                    step.set("queueName", q);
                }
            })
            .build();

    private NuclioNatsAttributes() {}
}
