/**
 * What a trigger, runtime or data binding author writes against: one module per kind, found by the
 * engine through {@link java.util.ServiceLoader}.
 *
 * <pre>
 *  {@link io.nucleon.spi.TriggerFactory} ──creates──▶ {@link io.nucleon.spi.Trigger} ──{@link io.nucleon.spi.Dispatcher#dispatch dispatch}(event, completion)──▶ worker pool (engine)
 *        ▲ {@link io.nucleon.spi.TriggerContext}                                                      │
 *        │  (attributes, meters,                  {@link io.nucleon.spi.WorkerRuntime} ◀── {@link io.nucleon.spi.FunctionRuntime} ◀── {@link io.nucleon.spi.RuntimeFactory}
 *        │   admin endpoints,                       (calls the handler)                      │
 *        │   own addresses)                                                                  ▼
 *  source ◀── reply / commit / ack ◀── {@link io.nucleon.spi.Completion#complete complete}(event, {@link io.nucleon.spi.Outcome}, response, error, next) ◀──┘
 *
 *  {@link io.nucleon.spi.BindingFactory} ──creates──▶ {@link io.nucleon.api.DataBinding} (opened once, shared by the workers)
 * </pre>
 *
 * <p>Threads: a trigger's own threads (event loops, poll loops, consumer threads, timers) call
 * {@link io.nucleon.spi.Dispatcher}, which never blocks them: a full pool answers with a rejection or a
 * waiting list, never a wait. Completions run on a worker thread or a timer and must not block either.
 *
 * <p>Completions: a trigger that only acks, commits or forgets says so with
 * {@link io.nucleon.spi.Completion#wantsResponse()} {@code false}, and the engine never turns its handler
 * results into responses (no JSON serialisation, so a result that cannot be serialised does not fail
 * the event). A completion that hands out the next event in turn (a Kafka partition) dispatches it
 * through the {@code next} dispatcher it is given, and the worker that finished the event takes it
 * without waking another (see {@link io.nucleon.spi.Completion}).
 *
 * <p>Operations meant for operators rather than callers are {@link io.nucleon.spi.AdminEndpoint}s on the
 * control server. Errors a trigger answers itself use {@link io.nucleon.spi.ErrorResponses}; the one
 * JSON mapper is {@link io.nucleon.spi.Json}.
 */
package io.nucleon.spi;
