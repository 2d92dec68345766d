package io.nucleon.runtime.external;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What differs between the wrapper languages. */
enum Language {
    PYTHON("python", "python3", "nucleon_wrapper.py", true,
            "module:function, e.g. main:handler (the module main.py in the code directory, its function handler)") {
        @Override
        List<String> moduleFiles(String module) {
            String base = module.replace('.', '/');
            return List.of(base + ".py", base + "/__init__.py");
        }

        @Override
        void environment(java.util.Map<String, String> env) {
            env.put("PYTHONUNBUFFERED", "1");
            env.put("PYTHONDONTWRITEBYTECODE", "1");
        }
    },
    NODEJS("nodejs", "node", "nucleon-wrapper.js", false,
            "file:function, e.g. handler:handler (the file handler.js in the code directory, its export handler)") {
        @Override
        List<String> moduleFiles(String module) {
            return module.endsWith(".js") || module.endsWith(".cjs") ? List.of(module) : List.of(module + ".js", module + ".cjs");
        }

        @Override
        void environment(java.util.Map<String, String> env) {
        }
    };

    final String kind;
    final String defaultInterpreter;
    final String wrapperScript;
    final boolean supportsShm;
    final String handlerForm;

    Language(String kind, String defaultInterpreter, String wrapperScript, boolean supportsShm, String handlerForm) {
        this.kind = kind;
        this.defaultInterpreter = defaultInterpreter;
        this.wrapperScript = wrapperScript;
        this.supportsShm = supportsShm;
        this.handlerForm = handlerForm;
    }

    /** The files, relative to the code directory, any of which holds {@code module}. */
    abstract List<String> moduleFiles(String module);

    /** Environment variables the interpreter should run with. */
    abstract void environment(java.util.Map<String, String> env);

    /** The first of {@link #moduleFiles} that exists under {@code dir}, or {@code null}. */
    Path findModule(Path dir, String module) {
        for (String f : moduleFiles(module)) {
            Path p = dir.resolve(f);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }
}
