package io.nucleon.spi;

import java.util.Map;

/**
 * What a runtime factory is told about the function.
 *
 * @param functionName the function's name
 * @param handler      {@code spec.handler}: a class name for Java, {@code module:function} for others
 * @param env          {@code spec.env}, in order
 */
public record RuntimeContext(String functionName, String handler, Map<String, String> env) {
}
