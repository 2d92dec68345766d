package io.nucleon.runtime.external;

import io.nucleon.runtime.external.supervision.Language;
import io.nucleon.spi.FunctionRuntime;
import io.nucleon.spi.RuntimeContext;
import io.nucleon.spi.RuntimeFactory;

/** {@code spec.runtime: python}: a Python 3.9+ handler, Nuclio style, in a wrapper process per worker. */
public final class PythonRuntimeFactory implements RuntimeFactory {
    @Override
    public String kind() {
        return "python";
    }

    @Override
    public FunctionRuntime create(RuntimeContext context) {
        return new ExternalRuntime(Language.PYTHON, context);
    }
}
