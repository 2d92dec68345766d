package io.nucleon.core;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;
import org.slf4j.Logger;

/**
 * Nucleon's console logging, set up in code: what {@code nucleon-logback.xml} says, without parsing XML (Logback's
 * XML configuration cost a fifth of a packaged function's start-up CPU; docs/startup.md). Logback finds it as a
 * service and asks it first; it acts only when {@link Launcher#configureLogging} chose Nucleon's configuration
 * ({@code logback.configurationFile=nucleon-logback.xml}), and otherwise lets Logback configure itself as usual
 * (a {@code logback.xml} of an embedding application, say).
 *
 * <p>Keep it and {@code nucleon-logback.xml} saying the same: the text pattern or Logback's JSON encoder by
 * {@code nucleon.log.format}, {@code io.netty} at WARN, the root at {@code NUCLEON_LOG_LEVEL} (a system property
 * or environment variable; INFO by default), and no status messages.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_LOW_PRIORITY)
public final class ConsoleLogConfigurator extends ContextAwareBase implements Configurator {
    /** The configuration file name that selects Nucleon's console configuration. */
    static final String CONFIGURATION = "nucleon-logback.xml";

    static final String PATTERN =
            "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg %kvp{NONE}%n%ex";

    public ConsoleLogConfigurator() {}

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (!CONFIGURATION.equals(System.getProperty("logback.configurationFile"))) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        context.getStatusManager().add(new NopStatusListener());

        boolean json = "JSON".equals(System.getProperty("nucleon.log.format"));
        Encoder<ILoggingEvent> encoder;
        if (json) {
            JsonEncoder e = new JsonEncoder();
            e.setWithFormattedMessage(true);
            e.setWithMessage(false);
            e.setWithArguments(false);
            e.setWithContext(false);
            e.setWithSequenceNumber(false);
            e.setWithNanoseconds(false);
            encoder = e;
        } else {
            PatternLayoutEncoder e = new PatternLayoutEncoder();
            e.setPattern(PATTERN);
            encoder = e;
        }
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName(json ? "JSON" : "TEXT");
        appender.setEncoder(encoder);
        appender.start();

        context.getLogger("io.netty").setLevel(Level.WARN);
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level(), Level.DEBUG));
        root.addAppender(appender);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** {@code NUCLEON_LOG_LEVEL} as the XML's {@code ${NUCLEON_LOG_LEVEL:-INFO}} reads it: property, then env. */
    private static String level() {
        String v = System.getProperty("NUCLEON_LOG_LEVEL");
        if (v == null) {
            v = System.getenv("NUCLEON_LOG_LEVEL");
        }
        return v == null ? "INFO" : v;
    }
}
