package io.nucleon.trigger.cron;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.nucleon.spi.NuclioAttributes;
import io.nucleon.spi.NuclioTranslation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How the {@code cron} trigger reads the attributes of Nuclio's {@code cron} trigger
 * ({@code pkg/processor/trigger/cron} in nuclio/nuclio), as run inside Nuclio's processor.
 *
 * <p>Nuclio reads a {@code schedule} of 5 fields as crontab does (minute first) and one of 6 with
 * seconds first, where a {@code *} for the seconds means 0 (Nuclio will not fire every second of a
 * minute); it also takes {@code @every <duration>} and a {@code CRON_TZ=<zone>} prefix. Its
 * {@code event} has a body, headers of any scalar values, a path and a method.
 */
final class NuclioCronAttributes {
    private static final Set<String> OUR_EVENT = Set.of("body", "headers", "path", "method", "contentType");

    static final NuclioAttributes TRANSLATION = NuclioTranslation.builder("cron", CronTriggerConfig.class)
            .renamed("interval", "interval", NuclioTranslation::goDuration)
            .rule("schedule", NuclioCronAttributes::schedule)
            .rule("event", NuclioCronAttributes::event)
            .rule("concurrencyPolicy", (value, step) -> {
                if (value.isTextual()
                        && (value.asText().equals(CronTrigger.FORBID)
                                || value.asText().equals(CronTrigger.ALLOW))) {
                    step.set("concurrencyPolicy", value); // Nucleon's own values
                } else {
                    step.warn("ignored: a setting of Nuclio's platform (the policy of the Kubernetes CronJob"
                            + " Nuclio makes for the trigger); inside a processor Nuclio never overlaps two"
                            + " ticks, as Nucleon's default concurrencyPolicy forbid does");
                }
            })
            .platform("jobBackoffLimit", "the retries of the Kubernetes CronJob Nuclio makes for the trigger")
            .build();

    private NuclioCronAttributes() {}

    private static void schedule(JsonNode value, NuclioTranslation.Step step) {
        if (!value.isTextual()) {
            step.error("must be a cron expression such as \"*/5 * * * *\", got " + value);
            return;
        }
        String text = value.asText().trim();
        if (text.startsWith("CRON_TZ=") || text.startsWith("TZ=")) {
            int space = text.indexOf(' ');
            String zone = text.substring(text.indexOf('=') + 1, space < 0 ? text.length() : space);
            step.set("timezone", zone);
            text = space < 0 ? "" : text.substring(space + 1).trim();
        }
        if (text.startsWith("@every ")) {
            try {
                step.set(
                        "interval",
                        NuclioTranslation.goDuration(TextNode.valueOf(
                                text.substring("@every ".length()).trim())));
            } catch (IllegalArgumentException e) {
                step.error("@every " + e.getMessage());
            }
            return;
        }
        List<String> fields = new ArrayList<>(Arrays.asList(text.split("\\s+")));
        if (fields.size() == 6 && fields.get(0).equals("*")) {
            fields.set(0, "0"); // Nuclio's rule: a schedule never fires on every second
        }
        step.set("schedule", String.join(" ", fields));
    }

    private static void event(JsonNode value, NuclioTranslation.Step step) {
        if (!value.isObject()) {
            step.error("must be a mapping with body, headers, path and method, got " + value);
            return;
        }
        Map<String, Object> event = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : value.properties()) {
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (!OUR_EVENT.contains(name)) {
                step.warn(
                        name,
                        "ignored: neither Nuclio's cron event nor Nucleon's has this field (Nuclio's has body,"
                                + " headers, path and method; Nucleon's contentType too)");
            } else if (v.isNull()) {
                continue;
            } else if (name.equals("headers")) {
                event.put(name, headers(v, step));
            } else if (!v.isValueNode()) {
                step.error(name, "must be text, got " + v);
            } else {
                event.put(name, v.asText()); // Nuclio's body is text: a number is written as it reads
            }
        }
        step.set("event", event);
    }

    /** Nuclio's headers take any scalar value and hand it on as its text (Go's {@code %v}). */
    private static Map<String, String> headers(JsonNode headers, NuclioTranslation.Step step) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!headers.isObject()) {
            step.error("headers", "must be a mapping of header names to values, got " + headers);
            return out;
        }
        for (Map.Entry<String, JsonNode> h : headers.properties()) {
            if (h.getValue().isValueNode()) {
                out.put(h.getKey(), h.getValue().isNull() ? "" : h.getValue().asText());
            } else {
                step.error("headers." + h.getKey(), "must be text or a number, got " + h.getValue());
            }
        }
        return out;
    }
}
