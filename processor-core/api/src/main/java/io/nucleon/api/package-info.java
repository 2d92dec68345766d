/**
 * What a function's author writes against, and what an application that embeds Nucleon uses.
 *
 * <pre>
 *   source ──▶ trigger ──▶ {@link io.nucleon.api.Event} ──▶ worker ──▶ {@link io.nucleon.api.Handler#handle(Context, Event)}
 *                                                                       │   ▲
 *                                   {@link io.nucleon.api.Context}: logger, env, ─┘   │ result: {@link io.nucleon.api.Response},
 *                                   {@link io.nucleon.api.DataBinding}s            │ String, byte[], any object (JSON),
 *                                                                           │ or a CompletionStage of those
 *   source ◀── trigger completes (reply, commit, ack) ◀─────────────────────┘
 * </pre>
 *
 * <p>A handler is called on a worker thread and may block up to the function's event timeout; one
 * handler instance serves every worker unless it is made per worker from its class name, so it must
 * be thread-safe or stateless. {@link io.nucleon.api.Processor#builder()} builds and runs a function in
 * code, from the same rules as {@code function.yaml}.
 *
 * <p>This package depends on nothing but the JDK. The engine ({@code io.nucleon:nucleon-core})
 * implements it through {@link io.nucleon.api.Engine}, found with {@link java.util.ServiceLoader}.
 */
package io.nucleon.api;
