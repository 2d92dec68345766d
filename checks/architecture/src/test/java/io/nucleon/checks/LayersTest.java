package io.nucleon.checks;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layers of docs/architecture.md, checked on the main classes of every published module:
 *
 * <pre>
 *  nucleon-api  ◀── handler authors            depends on the JDK alone
 *  nucleon-spi  ◀── trigger/runtime/binding     depends on the API (and Jackson, Micrometer)
 *  engine       ──▶ api + spi                   io.nucleon.core: implements both
 *  plugins      ──▶ api + spi, never the engine io.nucleon.trigger.., .runtime.., .binding..,
 *                                               .async.. (the http trigger's intake journal)
 *  io.nuclio    ◀── Nuclio's Java handlers      depends on the JDK alone; only its adapter
 *                                               (io.nucleon.runtime.nuclio) sees it
 *  libraries    ◀── plugins                     io.nucleon.client..: code plugins share (the mqtt
 *                                               client set-up); knows neither the engine nor a plugin
 * </pre>
 *
 * and no two packages depend on each other, directly or through others.
 */
@AnalyzeClasses(
        packages = {"io.nucleon", "io.nuclio"},
        importOptions = ImportOption.DoNotIncludeTests.class)
class LayersTest {

    /** The packages of plugins: triggers, runtimes, bindings, and the intake journal behind the http trigger's async calls. */
    private static final String[] PLUGINS = {
        "io.nucleon.trigger..", "io.nucleon.runtime..", "io.nucleon.binding..", "io.nucleon.async.."
    };

    /** Every module is really imported: a rule over no classes would prove nothing. */
    @ArchTest
    static void everyModuleIsImported(JavaClasses classes) {
        for (String name : new String[] {
            "io.nucleon.api.Event",
            "io.nucleon.spi.TriggerContext",
            "io.nucleon.core.FunctionProcessor",
            "io.nucleon.trigger.http.HttpTrigger",
            "io.nucleon.trigger.cron.CronTrigger",
            "io.nucleon.trigger.kafka.KafkaTrigger",
            "io.nucleon.trigger.rabbitmq.RabbitMqTrigger",
            "io.nucleon.trigger.nats.NatsTrigger",
            "io.nucleon.trigger.mqtt.MqttTrigger",
            "io.nucleon.client.mqtt.MqttClientSetup",
            "io.nucleon.async.journal.JournalIntake",
            "io.nucleon.runtime.external.ExternalRuntime",
            "io.nucleon.runtime.nuclio.NuclioHandlerAdapter",
            "io.nuclio.EventHandler",
            "io.nucleon.binding.kafka.KafkaBinding",
            "io.nucleon.binding.rabbitmq.RabbitMqBinding",
            "io.nucleon.binding.nats.NatsBinding",
            "io.nucleon.binding.mqtt.MqttBinding",
            "io.nucleon.binding.http.HttpBinding"
        }) {
            if (!classes.contain(name)) {
                throw new AssertionError(
                        name + " was not imported: is its module a dependency of checks/architecture?");
            }
        }
    }

    @ArchTest
    static final ArchRule theApiDependsOnTheJdkAlone = classes()
            .that()
            .resideInAPackage("io.nucleon.api..")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage("java..", "io.nucleon.api..")
            .because("a handler author's code must compile against the API without the engine or any library");

    @ArchTest
    static final ArchRule theSpiDependsOnTheApiAndItsTwoLibraries = classes()
            .that()
            .resideInAPackage("io.nucleon.spi..")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage(
                    "java..", "io.nucleon.api..", "io.nucleon.spi..", "com.fasterxml.jackson..", "io.micrometer.core..")
            .because("a plugin compiles against the SPI and the API alone");

    @ArchTest
    static final ArchRule pluginsNeverReachIntoTheEngine = noClasses()
            .that()
            .resideInAnyPackage(PLUGINS)
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.nucleon.core..")
            .because("what a plugin needs of the engine belongs in the SPI");

    @ArchTest
    static final ArchRule neitherTheApiNorTheSpiKnowsAPlugin = noClasses()
            .that()
            .resideInAnyPackage("io.nucleon.api..", "io.nucleon.spi..", "io.nucleon.core..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(PLUGINS)
            .because("the engine and its contracts know no trigger, runtime or binding by name");

    @ArchTest
    static final ArchRule sharedClientLibrariesKnowNeitherTheEngineNorAPlugin = noClasses()
            .that()
            .resideInAPackage("io.nucleon.client..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "io.nucleon.core..",
                    "io.nucleon.trigger..",
                    "io.nucleon.runtime..",
                    "io.nucleon.binding..",
                    "io.nucleon.async..")
            .because("a library shared by plugins is beneath them: the plugins depend on it, never the other way");

    @ArchTest
    static final ArchRule nuclioSdkDependsOnTheJdkAlone = classes()
            .that()
            .resideInAPackage("io.nuclio..")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage("java..", "io.nuclio..")
            .because("Nuclio's handlers compile against its SDK alone, as they do against Nuclio's own jar");

    @ArchTest
    static final ArchRule onlyTheNuclioAdapterSeesNuclioSdk = noClasses()
            .that()
            .resideInAPackage("io.nucleon..")
            .and()
            .resideOutsideOfPackage("io.nucleon.runtime.nuclio..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.nuclio..")
            .because("the engine runs Nuclio's handlers through the SPI's HandlerAdapter, which the nuclio"
                    + " module implements; nothing else knows Nuclio's types");

    @ArchTest
    static final ArchRule theIntakeJournalSeesOnlyTheHttpTriggersExtensionPoint = noClasses()
            .that()
            .resideInAPackage("io.nucleon.async.journal..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.nucleon.trigger.http")
            .because("the async journal implements the http trigger's extension point "
                    + "(io.nucleon.trigger.http.async), not the trigger's internals");

    /**
     * A trigger, runtime or binding sees no other one, except the one published extension point between
     * plugins: the http trigger's {@code io.nucleon.trigger.http.async}, which the async journal implements.
     */
    @ArchTest
    static void pluginsSeeNoOtherPluginButThroughItsExtensionPoint(JavaClasses classes) {
        java.util.List<String> violations = new java.util.ArrayList<>();
        for (com.tngtech.archunit.core.domain.JavaClass c : classes) {
            String from = pluginOf(c.getPackageName());
            if (from == null) {
                continue;
            }
            for (com.tngtech.archunit.core.domain.Dependency d : c.getDirectDependenciesFromSelf()) {
                String targetPackage = d.getTargetClass().getPackageName();
                String to = pluginOf(targetPackage);
                if (to != null && !to.equals(from) && !targetPackage.equals("io.nucleon.trigger.http.async")) {
                    violations.add(d.getDescription());
                }
            }
        }
        if (!violations.isEmpty()) {
            throw new AssertionError("plugins reach into other plugins:\n  " + String.join("\n  ", violations));
        }
    }

    /** {@code io.nucleon.trigger.http} for any package in it (and likewise runtimes, bindings and the intake journal), else null. */
    private static String pluginOf(String pkg) {
        for (String kind :
                new String[] {"io.nucleon.trigger.", "io.nucleon.runtime.", "io.nucleon.binding.", "io.nucleon.async."
                }) {
            if (pkg.startsWith(kind)) {
                int dot = pkg.indexOf('.', kind.length());
                return dot < 0 ? pkg : pkg.substring(0, dot);
            }
        }
        return null;
    }

    @ArchTest
    static final ArchRule noPackageCycles =
            slices().matching("io.nucleon.(**)").should().beFreeOfCycles();
}
