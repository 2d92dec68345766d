/**
 * Wrapper processes: starting, watching, stopping and restarting them, and everything they say.
 *
 * <pre>
 *  WrapperSettings (immutable, read once) ─▶ WrapperLauncher.prepare: run directory, timer
 *
 *  WrapperLauncher.launch ─▶ socket + shm file ─▶ interpreter (environment: WrapperEnvironment)
 *        ─▶ accept ─▶ LOG … HELLO ─▶ WrapperProcess (process + Transport)
 *
 *  WrapperProcess ── stdout / stderr ─▶ OutputPump ─┐
 *  ExternalWorker ── LOG frames ───────────────────┴▶ WrapperLog (escaped by UntrustedText,
 *                                                      held to a LogLineBudget) ─▶ the processor's log
 *  dies / times out / breaks the protocol ─▶ kill ─▶ RestartBackoff ─▶ WrapperLauncher.launch again
 *  close ─▶ STOP, stopTimeout, SIGTERM, SIGKILL
 * </pre>
 *
 * {@link io.nucleon.runtime.external.supervision.WrapperSettings} is the only way settings reach this
 * package: nothing here reads the runtime's attributes or calls back into the runtime. Counters go
 * to {@link io.nucleon.runtime.external.supervision.WrapperMetrics}. Internal to the runtime (public
 * only for the package above it).
 */
package io.nucleon.runtime.external.supervision;
