package io.nucleon.binding.kafka;

import io.nucleon.api.DataBinding;
import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.BindingContext;
import io.nucleon.spi.BindingFactory;

/** Registers the {@code kafka} data binding kind; see {@link KafkaBinding}. */
public final class KafkaBindingFactory implements BindingFactory {
    /** The kind, as written in {@code spec.dataBindings.<name>.kind}. */
    public static final String KIND = "kafka";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public DataBinding create(BindingContext context) {
        KafkaBindingConfig c = context.attributes(KafkaBindingConfig.class);
        AttributeProblems problems = AttributeProblems.of(context::attributeError);
        KafkaBinding.check(c, problems);
        problems.throwIfAny();
        return new KafkaBinding(context.functionName(), context.name(), c, context.meterRegistry());
    }
}
