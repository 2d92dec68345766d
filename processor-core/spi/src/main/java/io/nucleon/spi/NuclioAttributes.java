package io.nucleon.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * How a trigger kind reads the {@code attributes} that Nuclio's {@code function.yaml} gives a trigger of
 * the same kind, for a function in Nuclio's format ({@code apiVersion: nuclio.io/...},
 * {@code kind: NuclioFunction}, or a run with {@code --nuclio}). The engine calls {@link #translate}
 * before the trigger binds its attributes, so the trigger only ever sees its own names.
 *
 * <p>For each attribute a translation decides one of four things: it is one of the trigger's own
 * names (kept as it is); it is Nuclio's name for one of them (renamed, its value converted where the
 * forms differ); Nuclio supports it and this trigger does not ({@link Findings#error}: the function
 * would not behave as it did on Nuclio); or Nuclio would ignore it, or it is a platform setting that
 * means nothing to one processor ({@link Findings#warn}, and dropped). Attributes are never dropped
 * silently.
 */
@FunctionalInterface
public interface NuclioAttributes {

    /** A kind whose attributes Nuclio names as this trigger does: they are bound as they are. */
    NuclioAttributes SAME_NAMES = (attributes, findings) -> attributes;

    /**
     * Translates Nuclio's attributes into this trigger's.
     *
     * @param attributes the attributes as written (not to be modified; return a new tree)
     * @param findings   where to report what cannot be carried over, by attribute path relative to
     *                   {@code attributes} (e.g. {@code sasl.mechanism})
     * @return the attributes in this trigger's own names
     */
    ObjectNode translate(ObjectNode attributes, Findings findings);

    /** What a translation reports; the engine places each at its file, line and full path. */
    interface Findings {
        /** An attribute dropped with a warning: Nuclio would ignore it too, or it is a platform setting. */
        void warn(String attribute, String message);

        /** An attribute Nuclio supports that this trigger cannot honour: a configuration error. */
        void error(String attribute, String message);
    }
}
