package io.nucleon.examples.telemetry;

import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.OrderedConsumerContext;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The JetStream stream the function publishes to, {@value #STREAM}: it stores {@code telemetry.>}
 * on file, de-duplicating by message id within {@link #DUPLICATE_WINDOW}. The nats binding does not
 * create streams, so this creates it, and prints what it holds, for a machine without the
 * {@code nats} CLI:
 *
 * <pre>
 * java -cp target/mqtt-telemetry.jar io.nucleon.examples.telemetry.TelemetryStream create [nats://127.0.0.1:4222]
 * java -cp target/mqtt-telemetry.jar io.nucleon.examples.telemetry.TelemetryStream tail   [nats://127.0.0.1:4222]
 * </pre>
 */
@SuppressWarnings("try") // the client's close() may be interrupted; nothing to do about it here
public final class TelemetryStream {
    /** The stream's name. */
    public static final String STREAM = "TELEMETRY";
    /** The subjects it stores: readings, summaries and rejections. */
    public static final String SUBJECTS = "telemetry.>";
    /** How long the server remembers a message id: a reading published again within it is dropped. */
    public static final Duration DUPLICATE_WINDOW = Duration.ofMinutes(10);
    /** How long a message is kept. */
    public static final Duration MAX_AGE = Duration.ofDays(7);

    private TelemetryStream() {}

    /** The stream's configuration. */
    public static StreamConfiguration configuration() {
        return StreamConfiguration.builder()
                .name(STREAM)
                .subjects(SUBJECTS)
                .storageType(StorageType.File)
                .duplicateWindow(DUPLICATE_WINDOW)
                .maxAge(MAX_AGE)
                .build();
    }

    /**
     * Creates the stream, or leaves it as it is when it exists.
     *
     * @return {@code true} when it was created
     */
    public static boolean create(Connection connection) throws IOException, JetStreamApiException {
        JetStreamManagement jsm = connection.jetStreamManagement();
        if (jsm.getStreamNames().contains(STREAM)) {
            return false;
        }
        jsm.addStream(configuration());
        return true;
    }

    /** Prints every message of the stream, then the new ones as they come, until interrupted. */
    static void tail(Connection connection, PrintStream out) throws Exception {
        OrderedConsumerContext consumer = connection
                .getStreamContext(STREAM)
                .createOrderedConsumer(new OrderedConsumerConfiguration().filterSubject(SUBJECTS));
        try (IterableConsumer messages = consumer.iterate()) {
            while (!Thread.currentThread().isInterrupted()) {
                Message m = messages.nextMessage(Duration.ofSeconds(1));
                if (m != null) {
                    out.println(m.getSubject() + " " + new String(m.getData(), StandardCharsets.UTF_8));
                }
            }
        }
    }

    /**
     * {@code create [url]} or {@code tail [url]}; the url defaults to {@code nats://127.0.0.1:4222}.
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2 || !(args[0].equals("create") || args[0].equals("tail"))) {
            System.err.println("usage: TelemetryStream create|tail [nats://127.0.0.1:4222]");
            System.exit(2);
        }
        String url = args.length == 2 ? args[1] : "nats://127.0.0.1:4222";
        try (Connection connection = Nats.connect(url)) {
            if (args[0].equals("create")) {
                if (create(connection)) {
                    System.out.println("created stream " + STREAM + " for " + SUBJECTS);
                } else {
                    StreamInfo info = connection.jetStreamManagement().getStreamInfo(STREAM);
                    System.out.println("stream " + STREAM + " exists: "
                            + info.getConfiguration().getSubjects() + ", "
                            + info.getStreamState().getMsgCount() + " messages");
                }
            } else {
                tail(connection, System.out);
            }
        }
    }
}
