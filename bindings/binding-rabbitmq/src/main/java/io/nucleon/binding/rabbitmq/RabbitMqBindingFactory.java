package io.nucleon.binding.rabbitmq;

import io.nucleon.api.DataBinding;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.spi.BindingContext;
import io.nucleon.spi.BindingFactory;
import java.util.ArrayList;
import java.util.List;

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
        List<FunctionConfigException.ConfigProblem> problems = new ArrayList<>();
        for (String[] p : RabbitMqBinding.problems(c)) {
            problems.addAll(context.attributeError(p[0], p[1]).problems());
        }
        if (!problems.isEmpty()) {
            throw new FunctionConfigException(problems);
        }
        return new RabbitMqBinding(context.functionName(), context.name(), c, context.meterRegistry());
    }
}
