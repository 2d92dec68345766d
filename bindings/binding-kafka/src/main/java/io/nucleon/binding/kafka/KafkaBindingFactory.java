package io.nucleon.binding.kafka;

import io.nucleon.api.DataBinding;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.spi.BindingContext;
import io.nucleon.spi.BindingFactory;
import java.util.ArrayList;
import java.util.List;

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
        List<FunctionConfigException.ConfigProblem> problems = new ArrayList<>();
        for (String[] p : KafkaBinding.problems(c)) {
            problems.addAll(context.attributeError(p[0], p[1]).problems());
        }
        if (!problems.isEmpty()) {
            throw new FunctionConfigException(problems);
        }
        return new KafkaBinding(context.functionName(), context.name(), c, context.meterRegistry());
    }
}
