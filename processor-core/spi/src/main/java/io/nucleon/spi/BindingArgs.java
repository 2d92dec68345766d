package io.nucleon.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the arguments of a {@link CallableBinding} call, with errors ({@link BindingCallException.Reason#BAD_ARGUMENTS})
 * that name the binding, the operation, the argument and what is allowed. Not thread-safe: one per call.
 */
public final class BindingArgs {
    private final ObjectNode args;
    private final String where;

    private BindingArgs(ObjectNode args, String where) {
        this.args = args;
        this.where = where;
    }

    /**
     * The arguments of {@code operation} of binding {@code binding}, which may only be those in {@code allowed}.
     *
     * @throws BindingCallException when another one is given
     */
    public static BindingArgs of(ObjectNode args, String binding, String operation, Set<String> allowed) {
        BindingArgs a = new BindingArgs(args, "'" + operation + "' of binding '" + binding + "'");
        for (Iterator<String> it = args.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                throw a.bad("has no argument '" + name + "'; it takes " + String.join(", ", new TreeSet<>(allowed)));
            }
        }
        return a;
    }

    private BindingCallException bad(String what) {
        return new BindingCallException(BindingCallException.Reason.BAD_ARGUMENTS, where + " " + what);
    }

    private JsonNode present(String name) {
        JsonNode n = args.get(name);
        return n == null || n.isNull() ? null : n;
    }

    /** A string argument, or {@code null} when absent. */
    public String string(String name) {
        JsonNode n = present(name);
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            throw bad("argument '" + name + "' must be a string, got "
                    + n.getNodeType().name().toLowerCase());
        }
        return n.textValue();
    }

    /** A string argument that must be given. */
    public String requiredString(String name) {
        String s = string(name);
        if (s == null || s.isEmpty()) {
            throw bad("needs the argument '" + name + "' (a non-empty string)");
        }
        return s;
    }

    /** An integer argument, or {@code null} when absent. */
    public Long integer(String name) {
        JsonNode n = present(name);
        if (n == null) {
            return null;
        }
        if (!n.canConvertToLong() || !n.isIntegralNumber()) {
            throw bad("argument '" + name + "' must be an integer, got " + n);
        }
        return n.longValue();
    }

    /** A boolean argument, {@code otherwise} when absent. */
    public boolean bool(String name, boolean otherwise) {
        JsonNode n = present(name);
        if (n == null) {
            return otherwise;
        }
        if (!n.isBoolean()) {
            throw bad("argument '" + name + "' must be true or false, got " + n);
        }
        return n.booleanValue();
    }

    /** An object of string values (headers, properties), in order; empty when absent. */
    public Map<String, String> stringMap(String name) {
        JsonNode n = present(name);
        Map<String, String> m = new LinkedHashMap<>();
        if (n == null) {
            return m;
        }
        if (!n.isObject()) {
            throw bad("argument '" + name + "' must be an object of strings, got "
                    + n.getNodeType().name().toLowerCase());
        }
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            JsonNode v = e.getValue();
            if (v.isNull()) {
                continue;
            }
            if (!v.isValueNode()) {
                throw bad("argument '" + name + "." + e.getKey() + "' must be a string, got "
                        + v.getNodeType().name().toLowerCase());
            }
            m.put(e.getKey(), v.asText());
        }
        return m;
    }
}
