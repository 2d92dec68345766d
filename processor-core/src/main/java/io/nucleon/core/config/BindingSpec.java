package io.nucleon.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One data binding's validated configuration ({@code spec.dataBindings.<name>}).
 *
 * @param name       its name, used by handlers in {@code ctx.binding(name, type)}
 * @param kind       its kind, e.g. {@code kafka}
 * @param attributes the kind's attributes, never {@code null}
 */
public record BindingSpec(String name, String kind, ObjectNode attributes) {}
