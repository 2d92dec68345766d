package io.nucleon.trigger.http;

import io.nucleon.spi.Trigger;
import io.nucleon.spi.TriggerContext;
import io.nucleon.spi.TriggerFactory;

/** Registers the {@code http} trigger kind. */
public final class HttpTriggerFactory implements TriggerFactory {
    /** The kind, as written in {@code spec.triggers.<name>.kind}. */
    public static final String KIND = "http";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String triggerClass() {
        return "sync";
    }

    @Override
    public Trigger create(TriggerContext context) {
        HttpTriggerConfig config = context.attributes(HttpTriggerConfig.class);
        if (config.port < 0 || config.port > 65535) {
            throw context.attributeError("port", "must be from 0 to 65535, got " + config.port);
        }
        if (config.maxRequestBodySize.bytes() > Integer.MAX_VALUE) {
            throw context.attributeError("maxRequestBodySize", "must be at most 2GiB, got " + config.maxRequestBodySize);
        }
        if (config.maxHeaderSize.bytes() < 256 || config.maxHeaderSize.bytes() > (1 << 20)) {
            throw context.attributeError("maxHeaderSize", "must be from 256 to 1MiB, got " + config.maxHeaderSize);
        }
        if (config.maxInitialLineLength.bytes() < 64 || config.maxInitialLineLength.bytes() > (1 << 20)) {
            throw context.attributeError("maxInitialLineLength", "must be from 64 to 1MiB, got " + config.maxInitialLineLength);
        }
        if (config.readTimeout.isZero() || config.idleTimeout.isZero()) {
            throw context.attributeError(config.readTimeout.isZero() ? "readTimeout" : "idleTimeout", "must be longer than 0");
        }
        if (config.maxPipelinedRequests < 1 || config.maxPipelinedRequests > 1024) {
            throw context.attributeError("maxPipelinedRequests", "must be from 1 to 1024, got " + config.maxPipelinedRequests);
        }
        if (config.eventLoopThreads < 0 || config.eventLoopThreads > 1024) {
            throw context.attributeError("eventLoopThreads", "must be from 0 (one per processor) to 1024, got " + config.eventLoopThreads);
        }
        if (!config.transport.equals("auto") && !config.transport.equals("epoll") && !config.transport.equals("nio")) {
            throw context.attributeError("transport", "must be auto, epoll or nio, got \"" + config.transport + "\"");
        }
        return new HttpTrigger(context.name(), config);
    }
}
