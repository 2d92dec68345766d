/**
 * Nuclio's Java SDK ({@code io.nuclio}) over Nucleon's API: runs an {@link io.nuclio.EventHandler}
 * in-process on the java runtime's workers.
 *
 * <pre>
 *  JavaRuntimeFactory ──ServiceLoader──▶ NuclioHandlerAdapter   (spec.handler implements io.nuclio.EventHandler)
 *                                          └▶ NuclioHandler      one per worker: an io.nucleon.api.Handler
 *  worker ─▶ NuclioHandler.handle(Context, Event)
 *              ├▶ NuclioContext (per worker) ─▶ NuclioLogger ─▶ io.nucleon.api.Logger
 *              ├▶ NuclioEvent (per event, a view: nothing is copied)
 *              └◀ io.nuclio.Response ─▶ io.nucleon.api.Response (NuclioResponses)
 * </pre>
 *
 * Depends on {@code io.nucleon.api} and {@code io.nucleon.spi} only, never on the engine.
 */
package io.nucleon.runtime.nuclio;
