package io.nucleon.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code check}'s exact output on Nuclio's function.yaml: the platform fields named once, each problem and
 * warning on its line as {@code file:line: path: message}, and the summary; exit 0 when valid, even with
 * warnings, and 2 otherwise.
 */
class CheckIT {
    @TempDir
    Path dir;

    @Test
    void aValidNuclioFileWithPlatformFieldsUnknownKeysAndNuclioTriggerKinds() {
        RunnerCli.write(
                dir.resolve("orders"),
                "function.yaml",
                "apiVersion: \"nuclio.io/v1\"",
                "kind: NuclioFunction",
                "metadata:",
                "  name: orders",
                "  namespace: shop",
                "  labels:",
                "    team: checkout",
                "spec:",
                "  description: Handles orders from Kafka, jobs from RabbitMQ and a periodic tick",
                "  runtime: python",
                "  handler: main:handler",
                "  minReplicas: 1",
                "  maxReplicas: 4",
                "  targetCPU: 75",
                "  image: registry.example.com/orders:latest",
                "  build:",
                "    commands:",
                "      - pip install requests",
                "  meta:", // misspelt, as in some of Nuclio's own examples: Nuclio ignores it
                "    owner: checkout",
                "  triggers:",
                "    orders:",
                "      kind: kafka-cluster",
                "      maxWorkers: 4",
                "      attributes:",
                "        brokers:",
                "          - 127.0.0.1:9092",
                "        topics:",
                "          - orders",
                "        consumerGroup: orders",
                "        initialOffset: earliest",
                "    jobs:",
                "      kind: rabbit-mq",
                "      attributes:",
                "        url: amqp://guest:guest@127.0.0.1:5672",
                "        exchangeName: jobs",
                "        queueName: jobs",
                "        prefetchCount: 8",
                "    tick:",
                "      kind: cron",
                "      workerAllocatorName: shared",
                "      attributes:",
                "        interval: 30s",
                "        event:",
                "          body: tick",
                "          headers:",
                "            source: cron");
        RunnerCli.write(dir.resolve("orders"), "main.py", "def handler(context, event):", "    return 'ok'");

        RunnerCli.Result r = RunnerCli.exec(dir, "check", "orders");
        assertEquals(
                String.join(
                        "\n",
                        "not applied by Nucleon: metadata.namespace, metadata.labels, spec.minReplicas, spec.maxReplicas,"
                                + " spec.targetCPU, spec.image, spec.build",
                        "orders/function.yaml:19: spec.meta: warning: unknown field, ignored as Nuclio ignores it",
                        "orders/function.yaml:36: spec.triggers.jobs.attributes.exchangeName: warning: ignored: without"
                                + " topics Nuclio neither declares this exchange nor binds the queue to it, and the queue"
                                + " is consumed as it is; give topics (routing keys) to bind it",
                        "orders/function.yaml:41: spec.triggers.tick.workerAllocatorName: warning: ignored: Nucleon gives"
                                + " every trigger its own worker pool, so triggers never share an allocator",
                        "orders/function.yaml: valid, 3 warnings",
                        ""),
                r.out(),
                r.toString());
        assertEquals(0, r.exitCode(), "valid, even with warnings: " + r);
        assertEquals("", r.err());
    }

    @Test
    void anInvalidNuclioFileHasEveryProblemAndWarningPrinted() {
        RunnerCli.write(
                dir.resolve("broken"),
                "function.yaml",
                "apiVersion: \"nuclio.io/v1\"",
                "kind: NuclioFunction",
                "metadata:",
                "  name: broken",
                "spec:",
                "  runtime: python",
                "  handler: main:handler",
                "  replicas: 2",
                "  meta:",
                "    owner: checkout",
                "  triggers:",
                "    stream:",
                "      kind: kinesis",
                "      attributes:",
                "        streamName: orders",
                "    orders:",
                "      kind: kafka-cluster",
                "      attributes:",
                "        brokers:",
                "          - 127.0.0.1:9092",
                "        topics:",
                "          - orders",
                "        consumerGroup: orders",
                "        sasl:",
                "          enable: true",
                "          mechanism: GSSAPI");
        RunnerCli.write(dir.resolve("broken"), "main.py", "def handler(context, event):", "    return 'ok'");

        RunnerCli.Result r = RunnerCli.exec(dir, "check", "broken/function.yaml");
        assertEquals(
                String.join(
                        "\n",
                        "not applied by Nucleon: spec.replicas",
                        "broken/function.yaml:13: spec.triggers.stream.kind: Nuclio's 'kinesis' trigger kind has no"
                                + " Nucleon counterpart; available: cron, http, kafka, kafka-cluster, kickstart,"
                                + " mqtt, nats, rabbit-mq, rabbitmq",
                        "broken/function.yaml:26: spec.triggers.orders.attributes.sasl.mechanism: not supported from"
                                + " Nuclio's attributes: GSSAPI (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 are); configure"
                                + " it with the Java client's own settings in consumerProperties (sasl.mechanism,"
                                + " sasl.jaas.config …)",
                        "broken/function.yaml:9: spec.meta: warning: unknown field, ignored as Nuclio ignores it",
                        "broken/function.yaml: 2 problems, 1 warning",
                        ""),
                r.out(),
                r.toString());
        assertEquals(2, r.exitCode(), r.toString());
    }

    @Test
    void aNucleonFileKeepsNuclioFieldsAsErrorsUnlessReadWithNuclio() {
        RunnerCli.write(
                dir.resolve("strict"),
                "function.yaml",
                "metadata:",
                "  name: strict",
                "spec:",
                "  runtime: python",
                "  handler: main:handler",
                "  minReplicas: 1",
                "  triggers:",
                "    web:",
                "      kind: http",
                "      attributes:",
                "        port: 8080");
        RunnerCli.write(dir.resolve("strict"), "main.py", "def handler(context, event):", "    return 'ok'");

        RunnerCli.Result r = RunnerCli.exec(dir, "check", "strict");
        assertEquals(
                String.join(
                        "\n",
                        "strict/function.yaml:6: spec.minReplicas: unknown field (a platform field; scale out by running"
                                + " more processors); allowed here: dataBindings, description, disableDefaultHTTPTrigger,"
                                + " drainTimeout, env, eventTimeout, handler, runtime, runtimeAttributes, triggers; a file"
                                + " in Nuclio's format (apiVersion: nuclio.io/v1, or --nuclio) accepts Nuclio's fields",
                        "strict/function.yaml: 1 problem, 0 warnings",
                        ""),
                r.out(),
                r.toString());
        assertEquals(2, r.exitCode(), r.toString());

        RunnerCli.Result nuclio = RunnerCli.exec(dir, "check", "strict", "--nuclio");
        assertEquals(
                "not applied by Nucleon: spec.minReplicas\nstrict/function.yaml: valid, 0 warnings\n",
                nuclio.out(),
                nuclio.toString());
        assertEquals(0, nuclio.exitCode(), nuclio.toString());
    }

    @Test
    void aFileThatDoesNotReadStillHasItsWarningsPrinted() {
        RunnerCli.write(
                dir.resolve("late"),
                "function.yaml",
                "apiVersion: \"nuclio.io/v1\"",
                "kind: NuclioFunction",
                "spec:",
                "  runtime: python",
                "  handler: main:handler",
                "  eventTimeout: soon",
                "  minReplicas: 1",
                "  meta:",
                "    owner: checkout");
        RunnerCli.write(dir.resolve("late"), "main.py", "def handler(context, event):", "    return 'ok'");

        RunnerCli.Result r = RunnerCli.exec(dir, "check", "late");
        assertEquals(
                String.join(
                        "\n",
                        "not applied by Nucleon: spec.minReplicas",
                        "late/function.yaml:6: spec.eventTimeout: not a duration: 'soon' (use e.g. 250ms, 5s, 1m, 1h;"
                                + " a unit is required)",
                        "late/function.yaml:8: spec.meta: warning: unknown field, ignored as Nuclio ignores it",
                        "late/function.yaml: 1 problem, 1 warning",
                        ""),
                r.out(),
                r.toString());
        assertEquals(2, r.exitCode(), r.toString());
    }
}
