/**
 * The http trigger's extension point for asynchronous calls: what the trigger hands over, and what
 * a durable intake (module {@code io.nucleon:nucleon-async-journal}, a Chronicle Queue journal) does
 * with it. Only the http trigger and that module see these types; the engine and the SPI do not.
 *
 * <pre>
 *  request ──▶ AsyncRoute (http trigger, event loop) ──{@link io.nucleon.trigger.http.async.AsyncIntake#accept accept}({@link io.nucleon.trigger.http.async.AsyncRequest})──▶ journal ──▶ 202 + status URL
 *                                                                                   │
 *                                          workers ◀── Dispatcher ◀── the intake's tail thread
 *  GET &lt;prefix&gt;/status/&lt;id&gt; ──{@link io.nucleon.trigger.http.async.AsyncIntake#control control}──▶ the call's state (a lookup)
 * </pre>
 *
 * <p>The {@code async} attributes of an http trigger bind to {@link io.nucleon.trigger.http.async.AsyncOptions};
 * {@link io.nucleon.trigger.http.async.AsyncIntakeFactory} is found through {@link java.util.ServiceLoader}.
 */
package io.nucleon.trigger.http.async;
