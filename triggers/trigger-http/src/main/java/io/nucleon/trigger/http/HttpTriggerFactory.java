package io.nucleon.trigger.http;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.NuclioAttributes;
import io.nucleon.spi.Trigger;
import io.nucleon.spi.TriggerContext;
import io.nucleon.spi.TriggerFactory;
import io.nucleon.trigger.http.async.AsyncIntakeFactory;
import io.nucleon.trigger.http.async.AsyncOptions;
import io.nucleon.trigger.http.auth.HttpAuth;

/** Registers the {@code http} trigger kind. */
public final class HttpTriggerFactory implements TriggerFactory {
    /** The kind, as written in {@code spec.triggers.<name>.kind}. */
    public static final String KIND = "http";

    @Override
    public String kind() {
        return KIND;
    }

    /** Nuclio's attributes for this kind: see {@link NuclioHttpAttributes}. */
    @Override
    public NuclioAttributes nuclioAttributes() {
        return NuclioHttpAttributes.TRANSLATION;
    }

    @Override
    public Trigger create(TriggerContext context) {
        HttpTriggerConfig config = context.attributes(HttpTriggerConfig.class);
        AttributeProblems problems = AttributeProblems.of(context::attributeError);
        if (config.port < 0 || config.port > 65535) {
            problems.add("port", "must be from 0 to 65535, got " + config.port);
        }
        if (config.maxRequestBodySize.bytes() > Integer.MAX_VALUE) {
            problems.add("maxRequestBodySize", "must be at most 2GiB, got " + config.maxRequestBodySize);
        }
        if (config.maxHeaderSize.bytes() < 256 || config.maxHeaderSize.bytes() > (1 << 20)) {
            problems.add("maxHeaderSize", "must be from 256 to 1MiB, got " + config.maxHeaderSize);
        }
        if (config.maxInitialLineLength.bytes() < 64 || config.maxInitialLineLength.bytes() > (1 << 20)) {
            problems.add("maxInitialLineLength", "must be from 64 to 1MiB, got " + config.maxInitialLineLength);
        }
        if (config.readTimeout.isZero() || config.idleTimeout.isZero()) {
            problems.add(config.readTimeout.isZero() ? "readTimeout" : "idleTimeout", "must be longer than 0");
        }
        if (config.maxPipelinedRequests < 1 || config.maxPipelinedRequests > 1024) {
            problems.add("maxPipelinedRequests", "must be from 1 to 1024, got " + config.maxPipelinedRequests);
        }
        if (config.maxConnections < 0) {
            problems.add(
                    "maxConnections",
                    "must be 0 (10 000, or 3/4 of the file-descriptor limit) or more, got " + config.maxConnections);
        }
        if (config.maxInflightBodyBytes != null
                && config.maxInflightBodyBytes.bytes() < config.maxRequestBodySize.bytes()) {
            problems.add(
                    "maxInflightBodyBytes",
                    "must be at least maxRequestBodySize (" + config.maxRequestBodySize
                            + "), or no request with the largest allowed body could ever be taken; got "
                            + config.maxInflightBodyBytes);
        }
        if (config.writeBufferHighWaterMark.bytes() < 1024 || config.writeBufferHighWaterMark.bytes() > (64L << 20)) {
            problems.add(
                    "writeBufferHighWaterMark", "must be from 1KiB to 64MiB, got " + config.writeBufferHighWaterMark);
        }
        if (config.eventLoopThreads < 0 || config.eventLoopThreads > 1024) {
            problems.add(
                    "eventLoopThreads", "must be from 0 (one per processor) to 1024, got " + config.eventLoopThreads);
        }
        if (!config.transport.equals("auto") && !config.transport.equals("epoll") && !config.transport.equals("nio")) {
            problems.add("transport", "must be auto, epoll or nio, got \"" + config.transport + "\"");
        }
        AsyncIntakeFactory async = null;
        if (config.async != null && config.async.enabled) {
            async = validateAsync(context, config.async, problems);
        }
        HttpAuth auth = null;
        HttpTls tls = null;
        try {
            auth = HttpAuth.create(context, config.auth);
        } catch (FunctionConfigException e) {
            problems.addAll(e);
        }
        try {
            tls = config.tls == null ? null : HttpTls.open(context, config.tls, config.readTimeout);
        } catch (FunctionConfigException e) {
            problems.addAll(e);
        }
        if (!problems.isEmpty()) {
            if (auth != null) {
                auth.close();
            }
            if (tls != null) {
                tls.close();
            }
            problems.throwIfAny();
        }
        return new HttpTrigger(context, config, async, auth, tls);
    }

    /** Checks the {@code async} block; the factory that will make its intake, or null when there is none (a problem then). */
    private static AsyncIntakeFactory validateAsync(
            TriggerContext context, AsyncOptions a, AttributeProblems problems) {
        String prefix = a.pathPrefix;
        if (prefix == null
                || !prefix.startsWith("/")
                || prefix.length() < 2
                || prefix.endsWith("/")
                || prefix.indexOf('?') >= 0) {
            problems.add(
                    "async.pathPrefix",
                    "must start with / and not end with / (e.g. /async), got "
                            + (prefix == null ? "null" : "\"" + prefix + "\""));
        }
        if (a.directory == null || a.directory.isBlank()) {
            problems.add("async.directory", "is required when async.enabled is true");
        }
        if (a.maxRetries < 0 || a.maxRetries > 1000) {
            problems.add("async.maxRetries", "must be from 0 to 1000, got " + a.maxRetries);
        }
        if (a.retryDelay == null || a.maxRetryDelay == null || a.retryDelay.compareTo(a.maxRetryDelay) > 0) {
            problems.add("async.retryDelay", "must be set and at most async.maxRetryDelay");
        }
        if (a.resultRetention == null || a.resultRetention.isZero()) {
            problems.add("async.resultRetention", "must be longer than 0");
        }
        if (a.maxInFlight < 0) {
            problems.add("async.maxInFlight", "must be 0 (twice numWorkers) or more, got " + a.maxInFlight);
        }
        if (a.callbackMaxAttempts < 1) {
            problems.add("async.callbackMaxAttempts", "must be at least 1, got " + a.callbackMaxAttempts);
        }
        if (a.callbackTimeout == null || a.callbackTimeout.isZero()) {
            problems.add("async.callbackTimeout", "must be longer than 0");
        }
        if (a.callbackMaxPending < 1) {
            problems.add("async.callbackMaxPending", "must be at least 1, got " + a.callbackMaxPending);
        }
        if (a.callbackMaxPerHost < 1 || a.callbackMaxPerHost > a.callbackMaxPending) {
            problems.add(
                    "async.callbackMaxPerHost",
                    "must be from 1 to async.callbackMaxPending (" + a.callbackMaxPending + "), got "
                            + a.callbackMaxPerHost);
        }
        if (a.callbackAllowedHosts == null) {
            a.callbackAllowedHosts = java.util.List.of(); // the entries are checked by the async module
        }
        if (a.deadLetterRetention == null || a.deadLetterRetention.isNegative() || a.deadLetterRetention.isZero()) {
            problems.add("async.deadLetterRetention", "must be longer than 0");
        }
        if (a.deadLettersLoopbackOnly != null) {
            problems.add(
                    "async.deadLettersLoopbackOnly",
                    "was removed: listing and replaying dead letters are "
                            + "admin endpoints on the control server now (GET /triggers/" + context.name()
                            + "/dead-letters on the "
                            + "control port, loopback by default); remove this attribute");
        }
        if (a.journalDropHeaders == null || a.journalDropHeaders.stream().anyMatch(h -> h == null || h.isBlank())) {
            problems.add(
                    "async.journalDropHeaders",
                    "must be a list of header names (an empty list keeps " + "every header)");
        }
        if (a.batchSize < 1 || a.batchSize > 10_000) {
            problems.add("async.batchSize", "must be from 1 (no batches) to 10000, got " + a.batchSize);
        }
        if (a.maxDeadLetters < 1 || a.maxDeadLetters > 1_000_000) {
            // each dead letter kept costs a small index entry on the heap (see async-journal's README)
            problems.add("async.maxDeadLetters", "must be from 1 to 1000000, got " + a.maxDeadLetters);
        }
        AsyncIntakeFactory f = AsyncIntakeFactory.find();
        if (f == null) {
            problems.add(
                    "async.enabled",
                    "async calls need the module " + AsyncOptions.MODULE
                            + " on the class path (add it as a dependency of the function)");
        }
        return f;
    }
}
