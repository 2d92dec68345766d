package io.nucleon.binding.rabbitmq;

import io.nucleon.api.DataBinding;
import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.BindingContext;
import io.nucleon.spi.BindingFactory;

/** Registers the {@code rabbitmq} data binding kind; see {@link RabbitMqBinding}. */
public final class RabbitMqBindingFactory implements BindingFactory {
    /** The kind, as written in {@code spec.dataBindings.<name>.kind}. */
    public static final String KIND = "rabbitmq";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public DataBinding create(BindingContext context) {
        RabbitMqBindingConfig c = context.attributes(RabbitMqBindingConfig.class);
        AttributeProblems problems = AttributeProblems.of(context::attributeError);
        RabbitMqBinding.check(c, problems);
        problems.throwIfAny();
        return new RabbitMqBinding(context.functionName(), context.name(), c, context.meterRegistry());
    }
}
