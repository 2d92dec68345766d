package io.nucleon.test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** The synthetic triggers of one {@link TestFunction}, by name, in the order the processor made them. */
final class SyntheticTriggers {
    private final Map<String, SyntheticTrigger> byName = new LinkedHashMap<>();

    synchronized void add(SyntheticTrigger trigger) {
        byName.put(trigger.name(), trigger);
    }

    /**
     * The trigger called {@code name}, which must be of one of {@code kinds}; {@code name} null: the one
     * trigger of those kinds.
     *
     * @throws IllegalArgumentException naming the function's triggers when there is no such trigger, or
     *                                  more than one and no name was given
     */
    synchronized SyntheticTrigger find(String function, String name, Set<String> kinds, String what) {
        if (name != null) {
            SyntheticTrigger t = byName.get(name);
            if (t == null) {
                throw new IllegalArgumentException("function '" + function + "' has no trigger '" + name
                        + "'; its triggers: " + describe(byName.values()));
            }
            if (!kinds.contains(t.kind())) {
                throw new IllegalArgumentException("trigger '" + name + "' of function '" + function + "' is of kind '"
                        + t.kind() + "': it never receives " + what);
            }
            return t;
        }
        List<SyntheticTrigger> matching = new ArrayList<>();
        for (SyntheticTrigger t : byName.values()) {
            if (kinds.contains(t.kind())) {
                matching.add(t);
            }
        }
        if (matching.size() == 1) {
            return matching.get(0);
        }
        if (matching.isEmpty()) {
            throw new IllegalArgumentException("function '" + function + "' has no trigger that receives " + what
                    + " (kind " + String.join(" or ", kinds.stream().sorted().toList()) + "); its triggers: "
                    + describe(byName.values()));
        }
        throw new IllegalArgumentException(
                "function '" + function + "' has " + matching.size() + " triggers that receive "
                        + what + " (" + describe(matching) + "): name the one to send to, e.g. send(\""
                        + matching.get(0).name() + "\", ...)");
    }

    /** The trigger called {@code name}, of any kind. */
    synchronized SyntheticTrigger named(String function, String name) {
        SyntheticTrigger t = byName.get(name);
        if (t == null) {
            throw new IllegalArgumentException("function '" + function + "' has no trigger '" + name
                    + "' that the test kit stands in for; its synthetic triggers: " + describe(byName.values()));
        }
        return t;
    }

    private static String describe(java.util.Collection<SyntheticTrigger> triggers) {
        if (triggers.isEmpty()) {
            return "none";
        }
        return triggers.stream().map(t -> t.name() + " (" + t.kind() + ")").collect(Collectors.joining(", "));
    }
}
