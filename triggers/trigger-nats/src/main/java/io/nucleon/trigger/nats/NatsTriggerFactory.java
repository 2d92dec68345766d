package io.nucleon.trigger.nats;

import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.NuclioAttributes;
import io.nucleon.spi.Trigger;
import io.nucleon.spi.TriggerContext;
import io.nucleon.spi.TriggerFactory;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Registers the {@code nats} trigger kind. */
public class NatsTriggerFactory implements TriggerFactory {
    /** The kind, as written in {@code spec.triggers.<name>.kind}. */
    public static final String KIND = "nats";

    /** What the server accepts in stream and consumer names: no spaces, dots, wildcards or path separators. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,255}");

    @Override
    public String kind() {
        return KIND;
    }

    /** Nuclio's attributes for this kind: see {@link NuclioNatsAttributes}. */
    @Override
    public NuclioAttributes nuclioAttributes() {
        return NuclioNatsAttributes.TRANSLATION;
    }

    @Override
    public Trigger create(TriggerContext context) {
        NatsTriggerConfig c = context.attributes(NatsTriggerConfig.class);
        AttributeProblems problems = AttributeProblems.of(context::attributeError);
        List<String> servers = new ArrayList<>();
        List<String> safeServers = new ArrayList<>();
        if (c.url == null || c.url.isBlank()) {
            problems.add("url", "is required: the server, such as nats://127.0.0.1:4222");
        } else {
            for (String one : c.url.split(",")) {
                String s = withScheme(one.trim());
                try {
                    URI uri = new URI(s);
                    if (!List.of("nats", "tls", "ws", "wss").contains(uri.getScheme()) || uri.getHost() == null) {
                        problems.add("url", "must be nats://host:port (or tls://, ws://, wss://), got \"" + one + "\"");
                    }
                    servers.add(s);
                    safeServers.add(
                            uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()));
                } catch (URISyntaxException e) {
                    problems.add("url", "is not a server address (such as nats://127.0.0.1:4222): " + e.getReason());
                }
            }
        }
        if (c.subjects == null) {
            c.subjects = List.of();
        }
        for (int i = 0; i < c.subjects.size(); i++) {
            String s = c.subjects.get(i);
            if (s == null || s.isBlank() || s.contains(" ") || s.startsWith(".") || s.endsWith(".")) {
                problems.add("subjects[" + i + "]", "must be a subject such as orders.created, orders.* or orders.>");
            }
        }
        boolean jetStream = c.stream != null && !c.stream.isEmpty();
        if (!jetStream && c.subjects.isEmpty()) {
            problems.add("subjects", "is required without a stream: the core NATS subjects to subscribe to");
        }
        if (jetStream && !NAME.matcher(c.stream).matches()) {
            problems.add(
                    "stream",
                    "must be letters, digits, - and _ (no dots, spaces or wildcards), got \"" + c.stream + "\"");
        }
        if (c.create && jetStream && c.subjects.isEmpty()) {
            problems.add("subjects", "is required with create: true: the subjects of the stream the trigger creates");
        }
        String consumer = c.consumer == null || c.consumer.isEmpty()
                ? sanitise(context.functionName() + "-" + context.name())
                : c.consumer;
        if (!NAME.matcher(consumer).matches()) {
            problems.add(
                    "consumer",
                    "must be letters, digits, - and _ (no dots, spaces or wildcards), got \"" + consumer + "\"");
        }
        String queue = c.queueName == null || c.queueName.isEmpty()
                ? sanitise(context.functionName() + "-" + context.name())
                : c.queueName;
        if (queue.contains(" ")) {
            problems.add("queueName", "must not contain spaces");
        }
        Duration eventTimeout = context.eventTimeout();
        Duration ackWait = c.ackWait == null ? eventTimeout.plusSeconds(30) : c.ackWait;
        if (ackWait.toMillis() < 1000) {
            problems.add("ackWait", "must be at least 1s, got " + ackWait.toMillis() + "ms");
        }
        if (c.maxAckPending < 1 || c.maxAckPending > 100_000) {
            problems.add("maxAckPending", "must be from 1 to 100000, got " + c.maxAckPending);
        }
        if (c.maxRetries < 0 || c.maxRetries > 1000) {
            problems.add("maxRetries", "must be from 0 to 1000, got " + c.maxRetries);
        }
        if (c.retryDelay == null || c.retryDelay.toMillis() < 1) {
            problems.add("retryDelay", "must be at least 1ms");
        } else if (c.maxRetryDelay == null || c.maxRetryDelay.compareTo(c.retryDelay) < 0) {
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
        String deadLetterStream =
                c.deadLetterStream == null || c.deadLetterStream.isEmpty() ? c.stream + "_dlq" : c.deadLetterStream;
        if (jetStream && !NAME.matcher(deadLetterStream).matches()) {
            problems.add("deadLetterStream", "must be letters, digits, - and _, got \"" + deadLetterStream + "\"");
        }
        String deadLetterSubject = c.deadLetterSubject == null || c.deadLetterSubject.isEmpty()
                ? "nucleon.dlq." + c.stream + "." + consumer
                : c.deadLetterSubject;
        if (jetStream && (deadLetterSubject.contains("*") || deadLetterSubject.contains(">"))) {
            problems.add("deadLetterSubject", "must be a subject without wildcards, got \"" + deadLetterSubject + "\"");
        }
        problems.throwIfAny();
        NatsTrigger.Settings settings = new NatsTrigger.Settings(
                context.functionName(),
                context.name(),
                List.copyOf(servers),
                String.join(",", safeServers),
                jetStream,
                queue,
                consumer,
                ackWait,
                deadLetterSubject,
                deadLetterStream);
        return new NatsTrigger(settings, c);
    }

    /** Nuclio writes the url as {@code host:port}; the client wants a scheme. */
    static String withScheme(String url) {
        return url.contains("://") ? url : "nats://" + url;
    }

    /** A name the server accepts for a consumer or queue group, from the function's and trigger's names. */
    static String sanitise(String name) {
        return name.replaceAll("[^A-Za-z0-9_-]", "_");
    }
}
