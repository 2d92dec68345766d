package io.nucleon.runtime.external.supervision;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** What differs between the wrapper languages: the runtime kind, the wrapper script, how a handler's module is found. */
public enum Language {
    PYTHON(
            "python",
            "python3",
            "nucleon_wrapper.py",
            true,
            "module:function, e.g. main:handler (the module main.py in the code directory, its function handler)") {
        @Override
        public List<String> moduleFiles(String module) {
            String base = module.replace('.', '/');
            return List.of(base + ".py", base + "/__init__.py");
        }

        @Override
        void environment(Map<String, String> env) {
            env.put("PYTHONUNBUFFERED", "1");
            env.put("PYTHONDONTWRITEBYTECODE", "1");
        }
    },
    NODEJS(
            "nodejs",
            "node",
            "nucleon-wrapper.js",
            false,
            "file:function, e.g. handler:handler (the file handler.js in the code directory, its export handler)") {
        @Override
        public List<String> moduleFiles(String module) {
            return module.endsWith(".js") || module.endsWith(".cjs")
                    ? List.of(module)
                    : List.of(module + ".js", module + ".cjs");
        }

        @Override
        void environment(Map<String, String> env) {}
    };

    /** Where the wrapper scripts are in this module's jar. */
    static final String WRAPPERS = "io/nucleon/runtime/external/wrappers/";

    private final String kind;
    private final String defaultInterpreter;
    private final String wrapperScript;
    private final boolean supportsShm;
    private final String handlerForm;

    Language(String kind, String defaultInterpreter, String wrapperScript, boolean supportsShm, String handlerForm) {
        this.kind = kind;
        this.defaultInterpreter = defaultInterpreter;
        this.wrapperScript = wrapperScript;
        this.supportsShm = supportsShm;
        this.handlerForm = handlerForm;
    }

    /** {@code spec.runtime}: {@code python} or {@code nodejs}. */
    public String kind() {
        return kind;
    }

    /** The interpreter when {@code runtimeAttributes.interpreter} is not set, looked up on {@code PATH}. */
    public String defaultInterpreter() {
        return defaultInterpreter;
    }

    /** Whether the wrapper has the shared-memory transport (Node.js cannot map a file without a native add-on). */
    public boolean supportsShm() {
        return supportsShm;
    }

    /** What {@code spec.handler} looks like, for error messages. */
    public String handlerForm() {
        return handlerForm;
    }

    /** Whether this module's jar holds the wrapper script (a broken build would not). */
    public boolean wrapperPresent() {
        return Language.class.getClassLoader().getResource(WRAPPERS + wrapperScript) != null;
    }

    /** The wrapper script's file name. */
    public String wrapperScript() {
        return wrapperScript;
    }

    /** The files, relative to the code directory, any of which holds {@code module}. */
    public abstract List<String> moduleFiles(String module);

    /** Environment variables the interpreter should run with. */
    abstract void environment(Map<String, String> env);

    /** The first of {@link #moduleFiles} that exists under {@code dir}, or {@code null}. */
    public Path findModule(Path dir, String module) {
        for (String f : moduleFiles(module)) {
            Path p = dir.resolve(f);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }
}
