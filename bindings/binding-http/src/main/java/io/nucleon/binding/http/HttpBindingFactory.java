package io.nucleon.binding.http;

import io.nucleon.api.DataBinding;
import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.BindingContext;
import io.nucleon.spi.BindingFactory;

/** Registers the {@code http} data binding kind; see {@link HttpBinding}. */
public final class HttpBindingFactory implements BindingFactory {
    /** The kind, as written in {@code spec.dataBindings.<name>.kind}. */
    public static final String KIND = "http";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public DataBinding create(BindingContext context) {
        HttpBindingConfig c = context.attributes(HttpBindingConfig.class);
        AttributeProblems problems = AttributeProblems.of(context::attributeError);
        HttpBinding.check(c, problems);
        problems.throwIfAny();
        return new HttpBinding(context.functionName(), context.name(), c, context.meterRegistry());
    }
}
