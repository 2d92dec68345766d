package io.nucleon.runtime.external;

import io.nucleon.runtime.external.supervision.Language;
import io.nucleon.spi.FunctionRuntime;
import io.nucleon.spi.RuntimeContext;
import io.nucleon.spi.RuntimeFactory;

/** {@code spec.runtime: nodejs}: a Node.js 18+ handler, Nuclio style, in a wrapper process per worker. */
public final class NodeRuntimeFactory implements RuntimeFactory {
    @Override
    public String kind() {
        return "nodejs";
    }

    @Override
    public FunctionRuntime create(RuntimeContext context) {
        return new ExternalRuntime(Language.NODEJS, context);
    }
}
