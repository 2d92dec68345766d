package io.nucleon.spi;

import io.nucleon.api.Response;
import java.util.concurrent.CompletionStage;

/**
 * An operation a trigger offers to the people who run the processor, not to its callers: listing
 * and replaying dead letters, for example. Registered with {@link TriggerContext#adminEndpoint} and
 * served only by the control server, under {@code /triggers/<trigger>/<path>}: never on a port the
 * trigger opens to the outside. The control server listens on loopback by default and asks for its
 * token when it listens beyond loopback; a request is never authorised by its peer address alone.
 *
 * <p>Called on one of the control server's endpoint threads. An answer that takes more than a
 * lookup should be made on a thread of the trigger's own and complete the stage from there; the
 * control server waits for the stage up to its endpoint timeout (30 s), then answers 503.
 */
@FunctionalInterface
public interface AdminEndpoint {

    /** Answers {@code request}; a stage completed exceptionally becomes a 500 with an error id. */
    CompletionStage<Response> answer(AdminRequest request);
}
