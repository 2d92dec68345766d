package io.nucleon.test.orders;

import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import io.nucleon.api.Response;
import java.util.Map;

/**
 * A handler named in a function.yaml, for the kit's tests: takes orders over HTTP and from Kafka and
 * RabbitMQ, and reports on cron ticks. An order is JSON with an amount; a negative amount is an error.
 */
public final class OrderHandler implements Handler {
    record Order(String id, double amount) {}

    @Override
    public Object handle(Context context, Event event) {
        return switch (event.triggerKind()) {
            case "cron" -> "report " + event.field("tick") + " for " + event.bodyAsString();
            case "http" -> {
                if (event.body().length == 0) {
                    yield Response.builder()
                            .status(400)
                            .body("an order is JSON: {\"id\": ..., \"amount\": ...}")
                            .build();
                }
                yield Map.of("accepted", accept(event).id());
            }
            default -> accept(event).id() + " from " + event.topic() + ", attempt " + event.field("attempt");
        };
    }

    private static Order accept(Event event) {
        Order order = event.bodyAs(Order.class);
        if (order.amount() < 0) {
            throw new IllegalArgumentException("order " + order.id() + ": the amount must not be negative");
        }
        return order;
    }
}
