package io.nucleon.binding.nats;

import io.nucleon.api.DataBinding;
import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.BindingContext;
import io.nucleon.spi.BindingFactory;

/** Registers the {@code nats} data binding kind; see {@link NatsBinding}. */
public final class NatsBindingFactory implements BindingFactory {
    /** The kind, as written in {@code spec.dataBindings.<name>.kind}. */
    public static final String KIND = "nats";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public DataBinding create(BindingContext context) {
        NatsBindingConfig c = context.attributes(NatsBindingConfig.class);
        AttributeProblems problems = AttributeProblems.of(context::attributeError);
        NatsBinding.check(c, problems);
        problems.throwIfAny();
        return new NatsBinding(context.functionName(), context.name(), c, context.meterRegistry());
    }
}
