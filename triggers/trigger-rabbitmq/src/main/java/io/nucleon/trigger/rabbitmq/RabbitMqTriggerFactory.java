package io.nucleon.trigger.rabbitmq;

import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.NuclioAttributes;
import io.nucleon.spi.Trigger;
import io.nucleon.spi.TriggerContext;
import io.nucleon.spi.TriggerFactory;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Set;

/** Registers the {@code rabbitmq} trigger kind. */
public class RabbitMqTriggerFactory implements TriggerFactory {
    /** The kind, as written in {@code spec.triggers.<name>.kind}. */
    public static final String KIND = "rabbitmq";

    private static final Set<String> EXCHANGE_TYPES = Set.of("topic", "direct", "fanout", "headers");

    @Override
    public String kind() {
        return KIND;
    }

    /** Nuclio's attributes for this kind: see {@link NuclioRabbitMqAttributes}. */
    @Override
    public NuclioAttributes nuclioAttributes() {
        return NuclioRabbitMqAttributes.TRANSLATION;
    }

    @Override
    public Trigger create(TriggerContext context) {
        RabbitMqTriggerConfig c = context.attributes(RabbitMqTriggerConfig.class);
        AttributeProblems problems = AttributeProblems.of(context::attributeError);
        String safeUrl = null;
        try {
            URI uri = new URI(c.url);
            if (!"amqp".equals(uri.getScheme()) && !"amqps".equals(uri.getScheme())) {
                problems.add("url", "must be an amqp:// or amqps:// URI");
            }
            safeUrl = withoutCredentials(uri);
        } catch (URISyntaxException | NullPointerException e) {
            problems.add("url", "is not a URI (such as amqp://user:password@host:5672/vhost)");
        }
        if (!EXCHANGE_TYPES.contains(c.exchangeType)) {
            problems.add("exchangeType", "must be topic, direct, fanout or headers, got \"" + c.exchangeType + "\"");
        }
        if (c.prefetchCount < 1 || c.prefetchCount > 65535) {
            problems.add("prefetchCount", "must be from 1 to 65535, got " + c.prefetchCount);
        }
        if (c.maxRetries < 0 || c.maxRetries > 1000) {
            problems.add("maxRetries", "must be from 0 to 1000, got " + c.maxRetries);
        }
        if (c.retryDelay == null || c.retryDelay.toMillis() < 1) {
            problems.add("retryDelay", "must be at least 1ms");
        }
        if (c.maxRetryDelay == null || c.retryDelay != null && c.maxRetryDelay.compareTo(c.retryDelay) < 0) {
            problems.add("maxRetryDelay", "must be at least retryDelay");
        }
        if (c.connectRetryDelay == null || c.connectRetryDelay.toMillis() < 1) {
            problems.add("connectRetryDelay", "must be at least 1ms");
        } else if (c.maxConnectRetryDelay == null || c.maxConnectRetryDelay.compareTo(c.connectRetryDelay) < 0) {
            problems.add("maxConnectRetryDelay", "must be at least connectRetryDelay");
        }
        if (c.publishTimeout == null || c.publishTimeout.toMillis() < 1) {
            problems.add("publishTimeout", "must be at least 1ms");
        }
        if (c.topics == null) {
            c.topics = List.of();
        }
        if (!c.topics.isEmpty() && c.exchangeName.isEmpty()) {
            problems.add("topics", "binds the queue to an exchange: set exchangeName too");
        }
        if (!c.deadLetterExchange.isEmpty() && c.deadLetterRoutingKey.isEmpty() && c.declare) {
            // a custom dead-letter exchange routes as its owner set it up; the default key is only a guess
            problems.add("deadLetterRoutingKey", "is required with a deadLetterExchange");
        }
        problems.throwIfAny();
        String queue = c.queueName.isEmpty() ? context.functionName() + "." + context.name() : c.queueName;
        return new RabbitMqTrigger(context.functionName(), context.name(), c, queue, context.numWorkers(), safeUrl);
    }

    /** The URI without its user and password, for logs and status. */
    static String withoutCredentials(URI uri) {
        String host = uri.getHost() == null ? "" : uri.getHost();
        String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        return uri.getScheme() + "://" + host + port + path;
    }
}
