package io.nucleon.test;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.spi.Trigger;
import io.nucleon.spi.TriggerContext;
import io.nucleon.spi.TriggerFactory;

/**
 * The test kit's stand-in for the trigger factory of one kind. A {@link TestFunction} offers these to
 * the engine ahead of the real ones ({@link SyntheticTriggerLoader}); they are not registered as services,
 * so a real processor never sees them. Public only because {@link java.util.ServiceLoader} needs it:
 * not an API.
 *
 * <p>{@link #create} first hands the trigger's context to the real factory of the same kind, which
 * checks the attributes exactly as in production (and whose trigger, never started, is closed with
 * the synthetic one), then makes a {@link SyntheticTrigger} that opens nothing and takes its events
 * from the test.
 */
public abstract class SyntheticTriggerFactory implements TriggerFactory {
    private final String kind;
    private final String module;

    SyntheticTriggerFactory(String kind, String module) {
        this.kind = kind;
        this.module = module;
    }

    @Override
    public final String kind() {
        return kind;
    }

    @Override
    public final Trigger create(TriggerContext context) {
        SyntheticTriggerLoader loader = SyntheticTriggerLoader.current(kind);
        TriggerFactory real = loader.realFactory(kind);
        if (real == null) {
            throw new FunctionConfigException(
                    "spec.triggers." + context.name() + ".kind",
                    "the test kit checks a " + kind
                            + " trigger with the trigger's own module, which is not on the class path: add the dependency "
                            + "io.nucleon:" + module + " (the function's jar needs it too)");
        }
        Trigger checked = real.create(context);
        SyntheticTrigger trigger;
        try {
            trigger = new SyntheticTrigger(context.functionName(), context.name(), kind, traits(context), checked);
        } catch (RuntimeException | Error e) {
            checked.close();
            throw e;
        }
        loader.triggers().add(trigger);
        return trigger;
    }

    /** What the kit needs of this trigger's configuration; touches the trigger's module. */
    abstract TriggerTraits traits(TriggerContext context);

    /** {@code http}. */
    public static final class Http extends SyntheticTriggerFactory {
        public Http() {
            super("http", "nucleon-trigger-http");
        }

        @Override
        TriggerTraits traits(TriggerContext context) {
            return new TriggerTraits.Http();
        }
    }

    /** {@code kafka}. */
    public static final class Kafka extends SyntheticTriggerFactory {
        public Kafka() {
            super("kafka", "nucleon-trigger-kafka");
        }

        @Override
        TriggerTraits traits(TriggerContext context) {
            return TriggerTraits.Kafka.read(context);
        }
    }

    /** {@code kafka-cluster}, Nuclio's name of the kafka trigger. */
    public static final class NuclioKafka extends SyntheticTriggerFactory {
        public NuclioKafka() {
            super("kafka-cluster", "nucleon-trigger-kafka");
        }

        @Override
        TriggerTraits traits(TriggerContext context) {
            return TriggerTraits.Kafka.read(context);
        }
    }

    /** {@code rabbitmq}. */
    public static final class RabbitMq extends SyntheticTriggerFactory {
        public RabbitMq() {
            super("rabbitmq", "nucleon-trigger-rabbitmq");
        }

        @Override
        TriggerTraits traits(TriggerContext context) {
            return TriggerTraits.RabbitMq.read(context);
        }
    }

    /** {@code rabbit-mq}, Nuclio's name of the rabbitmq trigger. */
    public static final class NuclioRabbitMq extends SyntheticTriggerFactory {
        public NuclioRabbitMq() {
            super("rabbit-mq", "nucleon-trigger-rabbitmq");
        }

        @Override
        TriggerTraits traits(TriggerContext context) {
            return TriggerTraits.RabbitMq.read(context);
        }
    }

    /** {@code cron}. */
    public static final class Cron extends SyntheticTriggerFactory {
        public Cron() {
            super("cron", "nucleon-trigger-cron");
        }

        @Override
        TriggerTraits traits(TriggerContext context) {
            return TriggerTraits.Timer.read(context, true);
        }
    }

    /** {@code kickstart}: one event at start. */
    public static final class Kickstart extends SyntheticTriggerFactory {
        public Kickstart() {
            super("kickstart", "nucleon-trigger-cron");
        }

        @Override
        TriggerTraits traits(TriggerContext context) {
            return TriggerTraits.Timer.read(context, false);
        }
    }
}
