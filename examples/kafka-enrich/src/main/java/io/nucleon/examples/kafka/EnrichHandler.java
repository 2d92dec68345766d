package io.nucleon.examples.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import io.nucleon.binding.kafka.KafkaBinding;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * Enriches "order" records such as {@code {"id": "o-1", "amount": 12.5, "country": "DE"}} from the
 * {@code orders} topic and writes them, as JSON keyed by the order id, to the default topic of the
 * {@code out} kafka data binding ({@code orders.enriched}):
 *
 * <pre>{@code
 * {"id":"o-1","amount":12.5,"country":"DE","region":"EMEA","amountCents":1250,
 *  "enrichedAt":"2026-11-22T17:30:00.123Z","source":{"topic":"orders","partition":2,"offset":41}}
 * }</pre>
 *
 * <p>The handler returns the binding's {@code send} stage instead of waiting for it: its worker is
 * free at once, and the kafka trigger counts the record as handled, and lets its offset be
 * committed, only when that stage completes, that is once Kafka has acknowledged the enriched
 * record. A send that fails (or is not acknowledged within the event timeout) fails the event, which
 * the trigger retries. So every order gets at least one enriched record, even when the process is
 * killed: what was not committed is read again, and may be written twice.
 *
 * <p>A record that is not such an order makes the handler throw an {@link IllegalArgumentException}
 * saying why: the trigger retries it, then writes it to the dead-letter topic.
 */
public final class EnrichHandler implements Handler {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Country code → sales region; any other country is {@code OTHER}. */
    static final Map<String, String> REGIONS = Map.ofEntries(
            Map.entry("DE", "EMEA"),
            Map.entry("FR", "EMEA"),
            Map.entry("GB", "EMEA"),
            Map.entry("ZA", "EMEA"),
            Map.entry("US", "AMER"),
            Map.entry("CA", "AMER"),
            Map.entry("BR", "AMER"),
            Map.entry("MX", "AMER"),
            Map.entry("JP", "APAC"),
            Map.entry("IN", "APAC"),
            Map.entry("AU", "APAC"),
            Map.entry("SG", "APAC"));

    private KafkaBinding out;

    @Override
    public void init(Context context) {
        out = context.binding("out", KafkaBinding.class);
        context.logger().debug("enrich handler ready", "worker", context.workerId(), "to", out.topic());
    }

    @Override
    public Object handle(Context context, Event event) {
        ObjectNode order = parse(event);
        String id = order.get("id").asText();
        byte[] value = enrich(order, event);
        // Returned, not joined: completes (on the producer's I/O thread, so the mapping stays tiny)
        // when the broker has acknowledged the enriched record.
        return out.send(id.getBytes(StandardCharsets.UTF_8), value)
                .thenApply(md -> Map.of("id", id, "partition", md.partition(), "offset", md.offset()));
    }

    /** Adds region, amountCents, enrichedAt and the source record's topic, partition and offset. */
    static byte[] enrich(ObjectNode order, Event event) {
        String country = order.get("country").asText().toUpperCase(Locale.ROOT);
        BigDecimal amount = order.get("amount").decimalValue();
        order.put("country", country);
        order.put("region", REGIONS.getOrDefault(country, "OTHER"));
        order.put(
                "amountCents",
                amount.movePointRight(2).setScale(0, RoundingMode.HALF_UP).longValueExact());
        order.put("enrichedAt", Instant.now().toString());
        ObjectNode source = order.putObject("source");
        source.put("topic", event.topic());
        source.put("partition", event.shardId());
        source.put("offset", event.offset());
        try {
            return JSON.writeValueAsBytes(order);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot write order " + order.get("id").asText(), e);
        }
    }

    private static ObjectNode parse(Event event) {
        JsonNode body;
        try {
            body = event.bodyAs(JsonNode.class);
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(
                    "invalid order record " + event.id()
                            + ": the value is not JSON such as {\"id\": \"o-1\", \"amount\": 12.5, \"country\": \"DE\"}",
                    e);
        }
        if (!(body instanceof ObjectNode order)) {
            throw new IllegalArgumentException(
                    "invalid order record " + event.id()
                            + ": the value must be a JSON object such as {\"id\": \"o-1\", \"amount\": 12.5, \"country\": \"DE\"}");
        }
        JsonNode id = order.get("id");
        if (id == null || !id.isTextual() || id.asText().isBlank()) {
            throw new IllegalArgumentException(
                    "invalid order record " + event.id() + ": id must be a non-empty string");
        }
        JsonNode amount = order.get("amount");
        if (amount == null || !amount.isNumber() || amount.doubleValue() < 0) {
            throw new IllegalArgumentException("invalid order " + id.asText() + ": amount must be a number ≥ 0");
        }
        JsonNode country = order.get("country");
        if (country == null || !country.isTextual() || country.asText().length() != 2) {
            throw new IllegalArgumentException("invalid order " + id.asText() + ": country must be a two-letter code");
        }
        return order;
    }
}
