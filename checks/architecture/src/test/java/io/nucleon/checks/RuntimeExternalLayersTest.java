package io.nucleon.checks;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The packages of runtime-external depend on each other one way, as its package-info draws them:
 *
 * <pre>
 *  io.nucleon.runtime.external   (factories, ExternalRuntime, ExternalWorker)
 *   └▶ .supervision               (wrapper processes, WrapperSettings)
 *        └▶ .transport            (socket, shared-memory rings)
 *             └▶ .protocol        (frames, MetaCodec)
 * </pre>
 *
 * so that the settings reach the wrappers as a value, never by calling back into the runtime.
 */
@AnalyzeClasses(packages = "io.nucleon.runtime.external", importOptions = ImportOption.DoNotIncludeTests.class)
class RuntimeExternalLayersTest {

    @ArchTest
    static final ArchRule theRuntimesPackagesDependOneWay = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("runtime")
            .definedBy("io.nucleon.runtime.external")
            .layer("supervision")
            .definedBy("io.nucleon.runtime.external.supervision..")
            .layer("transport")
            .definedBy("io.nucleon.runtime.external.transport..")
            .layer("protocol")
            .definedBy("io.nucleon.runtime.external.protocol..")
            .whereLayer("runtime")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("supervision")
            .mayOnlyBeAccessedByLayers("runtime")
            .whereLayer("transport")
            .mayOnlyBeAccessedByLayers("runtime", "supervision")
            .whereLayer("protocol")
            .mayOnlyBeAccessedByLayers("runtime", "supervision", "transport");
}
