package io.nucleon.binding.http;

import io.nucleon.api.DataBinding;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.spi.BindingContext;
import io.nucleon.spi.BindingFactory;
import java.util.ArrayList;
import java.util.List;

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
        List<FunctionConfigException.ConfigProblem> problems = new ArrayList<>();
        for (String[] p : HttpBinding.problems(c)) {
            problems.addAll(context.attributeError(p[0], p[1]).problems());
        }
        if (!problems.isEmpty()) {
            throw new FunctionConfigException(problems);
        }
        return new HttpBinding(context.functionName(), context.name(), c, context.meterRegistry());
    }
}
