/**
 * The {@code python} and {@code nodejs} runtimes: handlers written for Nuclio's Python and Node.js
 * runtimes, each worker with its own wrapper process. This package is what the engine sees (the two
 * {@link io.nucleon.spi.RuntimeFactory} services and {@link ExternalRuntimeConfig}, the binding of
 * {@code spec.runtimeAttributes}); the work is done by three packages below it, which depend on
 * each other in one direction only:
 *
 * <pre>
 *  io.nucleon.runtime.external      PythonRuntimeFactory / NodeRuntimeFactory ─▶ ExternalRuntime ─▶ ExternalWorker
 *        │                          (WrapperSettingsReader: attributes ─▶ WrapperSettings, every problem at once)
 *        ▼
 *  ….supervision                    WrapperLauncher ─▶ WrapperProcess; RestartBackoff; WrapperLog, OutputPump;
 *        │                          WrapperEnvironment; WrapperMetrics; the immutable WrapperSettings
 *        ▼
 *  ….transport                      Transport: SocketTransport (uds), ShmTransport over ShmRings (shm)
 *        │
 *        ▼
 *  ….protocol                       Protocol (constants, frame layout, decode), Message, MetaCodec
 * </pre>
 *
 * <h2>The flow</h2>
 * <ol>
 *   <li>Build: a factory makes an {@link io.nucleon.runtime.external.ExternalRuntime ExternalRuntime},
 *       which reads its settings once (interpreter on {@code PATH}, the handler's module, every
 *       attribute) and registers its meters. Nothing runs yet.</li>
 *   <li>Start: the first worker prepares the launcher (the private run directory with the wrapper
 *       script and, for a packaged function, the unpacked code); each worker starts its wrapper and
 *       waits for its {@code HELLO}.</li>
 *   <li>Each event, on the worker's own thread: encode the meta JSON, send the EVENT frame, read
 *       frames until the answer ({@code LOG} and {@code METRIC} frames are handled on the way).
 *       No other thread and no hand-off sits between a worker and its wrapper.</li>
 *   <li>Failure: a wrapper that dies holding an event gets the event a 502 and is restarted before
 *       the next event (after a backoff when it keeps failing); an event past its timeout gets 504
 *       and its wrapper is killed.</li>
 * </ol>
 *
 * <p>Only this package is meant to be used from outside the module; the packages below it are public
 * only so that this one can reach them, and may change at any time.
 */
package io.nucleon.runtime.external;
