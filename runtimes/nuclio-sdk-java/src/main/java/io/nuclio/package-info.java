/**
 * The public API of Nuclio's Java SDK ({@code io.nuclio:nuclio-sdk-java}), with the same names,
 * signatures and defaults, so that a handler compiled against Nuclio's SDK runs unchanged on Nucleon,
 * in-process on the processor's workers rather than in a separate JVM behind a socket.
 *
 * <p>A handler implements {@link io.nuclio.EventHandler} and is named by its class in
 * {@code spec.handler} with {@code spec.runtime: java}:
 *
 * <pre>{@code
 * public class Reverser implements EventHandler {
 *     public Response handleEvent(Context context, Event event) {
 *         String body = new String(event.getBody(), StandardCharsets.UTF_8);
 *         context.getLogger().infoWith("Got event", "body", body);
 *         return new Response().setBody(new StringBuilder(body).reverse().toString());
 *     }
 * }
 * }</pre>
 *
 * This package depends on the JDK alone, as Nuclio's does; Nucleon's implementation of it lives in
 * {@code io.nucleon.runtime.nuclio}. What maps to what, and what is not supported, is in the module's
 * README.
 */
package io.nuclio;
