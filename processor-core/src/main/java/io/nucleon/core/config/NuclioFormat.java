package io.nucleon.core.config;

import java.util.Map;
import java.util.Set;

/**
 * Nuclio's function configuration (its {@code pkg/functionconfig/types.go}) as Nucleon reads it: which of
 * Nuclio's fields belong to its platform (accepted, recorded, not applied), which trigger fields Nucleon
 * cannot honour, and which runtimes and trigger kinds have no counterpart here. One place for these facts,
 * so the reader, the processor and {@code docs/migrating-from-nuclio.md} agree.
 */
public final class NuclioFormat {
    private NuclioFormat() {}

    /** The {@code apiVersion} prefix of Nuclio's files. */
    public static final String API_VERSION_PREFIX = "nuclio.io/";

    /** The {@code kind} of Nuclio's files. */
    public static final String KIND = "NuclioFunction";

    /** Top-level keys Nuclio writes besides {@code metadata} and {@code spec}: its reported state. */
    static final Set<String> TOP_NOT_APPLIED = Set.of("status");

    /** {@code metadata} fields with no meaning to one processor. */
    static final Set<String> METADATA_NOT_APPLIED = Set.of("namespace", "labels", "annotations", "resourceVersion");

    /**
     * {@code spec} fields of Nuclio's platform (building images, deploying, scaling, scheduling pods): a
     * processor accepts them and names them once at start.
     */
    static final Set<String> SPEC_PLATFORM = Set.of(
            "disable",
            "publish",
            "resources",
            "image",
            "imageHash",
            "httpPort",
            "replicas",
            "minReplicas",
            "maxReplicas",
            "targetCPU",
            "volumes",
            "version",
            "alias",
            "build",
            "runRegistry",
            "imagePullSecrets",
            "loggerSinks",
            "dealerURI",
            "platform",
            "readinessTimeoutSeconds",
            "waitReadinessTimeoutBeforeFailure",
            "avatar",
            "serviceType",
            "imagePullPolicy",
            "securityContext",
            "serviceAccount",
            "scaleToZero",
            "affinity",
            "nodeSelector",
            "nodeName",
            "tolerations",
            "priorityClassName",
            "preemptionPolicy",
            "deploymentStrategy",
            "hostIPC",
            "customScalingMetricSpecs",
            "runtimeClassName",
            "disableSensitiveFieldsMasking",
            "devices",
            "initContainers",
            "sidecars",
            "readinessProbe",
            "livenessProbe",
            "streamChunkTimeout");

    /** Trigger fields of Nuclio's platform (ingress annotations, the dealer's task counts). */
    static final Set<String> TRIGGER_PLATFORM = Set.of("annotations", "total_tasks", "max_task_allocation");

    /**
     * Trigger fields Nuclio reads that Nucleon does not, with why dropping them does not change what the
     * function does: a warning each.
     */
    static final Map<String, String> TRIGGER_IGNORED = Map.of(
            "class", "Nuclio fills it in itself; Nucleon knows each kind's class",
            "workerAllocatorName",
                    "Nucleon gives every trigger its own worker pool, so triggers never share an allocator",
            "workerTerminationTimeout",
                    "Nucleon's Kafka trigger handles a rebalance with its own settings (see its attributes)",
            "async", "Nuclio's async-mode connection settings; Nucleon runs one event per worker at a time",
            "paths", "no Nucleon trigger reads trigger-level paths");

    /** Nuclio's runtimes that Nucleon does not have. */
    static final Set<String> RUNTIMES_NOT_SUPPORTED = Set.of("golang", "go", "shell", "dotnetcore", "ruby", "pypy");

    /** The runtimes Nucleon runs Nuclio handlers with, for messages. */
    static final String RUNTIMES_SUPPORTED = "java, python and nodejs";

    /**
     * Nuclio's trigger kinds that Nucleon does not have (yet); a function using one gets an error naming
     * it, unless a module of that kind is on the class path.
     */
    public static final Set<String> TRIGGER_KINDS_NOT_SUPPORTED =
            Set.of("v3ioStream", "kinesis", "iotCoreMqtt", "eventhub", "pubsub", "generator");
}
