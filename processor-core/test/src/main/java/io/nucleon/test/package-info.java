/**
 * Testing functions with JUnit 5: a function in the test's JVM fed synthetic events, and a packaged
 * function jar run as a process.
 *
 * <pre>
 *  test ── send(HttpCall | KafkaRecord | RabbitMqMessage | CronTick) ──▶ {@link io.nucleon.test.TestFunction}
 *                                                                           │ the event the real trigger would make
 *                                                                           ▼
 *    synthetic trigger (same name and kind; the real factory checked its attributes; opens nothing)
 *                                                                           │ Dispatcher.dispatch(event, completion)
 *                                                                           ▼
 *    the engine's worker pool ──▶ runtime ──▶ handler          (event timeout, queue, rejections: all real)
 *                                                                           │ Completion: outcome, response, error
 *  test ◀── {@link io.nucleon.test.HttpResult} | {@link io.nucleon.test.MessageResult} (the trigger's decision) | {@link io.nucleon.test.EventResult}
 *
 *  test ── {@link io.nucleon.test.FunctionJar}.start() ──▶ java -jar fn.jar (free ports, own tmp dir, output captured)
 *       ◀── {@link io.nucleon.test.FunctionProcess}: GET /ready, /status, /metrics, await(...), stop() (SIGTERM), kill()
 * </pre>
 *
 * <p>{@link io.nucleon.test.TestFunction} builds the function with the API's builder, while the thread's
 * context class loader lists the kit's trigger factories ahead of the real ones; it uses the API and the
 * SPI only. Sending blocks the test's thread until the outcome (or {@code dispatch} returns a future);
 * the triggers' and the pools' threads are the engine's. Everything here is thread-safe except the event
 * builders ({@code HttpCall} …), which a test fills in and sends.
 */
package io.nucleon.test;
