package io.nucleon.examples.rabbitmq;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Processes "order" messages such as {@code {"orderId": "o-1", "amount": 12.5}}.
 *
 * <p>A message that is not such an order (not JSON, no {@code orderId}, no numeric {@code amount},
 * or a negative amount) makes the handler throw an {@link IllegalArgumentException} saying why.
 * The rabbitmq trigger then retries it ({@code maxRetries} times, after {@code retryDelay}, doubled
 * each time) and finally dead-letters it to {@code <queue>.dlq}, with that message in the
 * {@code x-nucleon-error} header. A handled message is acked. A queue has no caller to answer, so
 * the map returned is only the event's result (the same handler behind an http trigger would send
 * it as JSON); the "order processed" log line is the record.
 */
public final class OrderHandler implements Handler {
    private long processed;

    @Override
    public void init(Context context) {
        context.logger().debug("order handler ready", "worker", context.workerId());
    }

    @Override
    public Object handle(Context context, Event event) {
        Order order = parse(event);
        processed++; // this worker's count: every worker has its own handler instance
        context.logger()
                .info(
                        "order processed",
                        "orderId",
                        order.id,
                        "amount",
                        order.amount,
                        "routingKey",
                        event.topic(),
                        "attempt",
                        event.field("attempt"),
                        "processedByWorker",
                        processed);
        return Map.of("orderId", order.id, "amount", order.amount, "status", "accepted");
    }

    private static Order parse(Event event) {
        JsonNode body;
        try {
            body = event.bodyAs(JsonNode.class);
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(
                    "invalid order message " + event.id()
                            + ": the body is not JSON such as {\"orderId\": \"o-1\", \"amount\": 12.5}",
                    e);
        }
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("invalid order message " + event.id()
                    + ": the body must be a JSON object such as {\"orderId\": \"o-1\", \"amount\": 12.5}");
        }
        JsonNode id = body.get("orderId");
        if (id == null || !id.isTextual() || id.asText().isBlank()) {
            throw new IllegalArgumentException(
                    "invalid order message " + event.id() + ": orderId must be a non-empty string");
        }
        JsonNode amount = body.get("amount");
        if (amount == null || !amount.isNumber()) {
            throw new IllegalArgumentException("invalid order " + id.asText() + ": amount must be a number");
        }
        if (amount.doubleValue() < 0) {
            throw new IllegalArgumentException(
                    "invalid order " + id.asText() + ": amount must not be negative, got " + amount.asText());
        }
        return new Order(id.asText(), amount.decimalValue());
    }

    private record Order(String id, BigDecimal amount) {}
}
