package io.nucleon.trigger.http.auth;

import io.micrometer.core.instrument.Counter;
import io.nucleon.api.Response;

/**
 * A request {@link HttpAuth} refused: the answer prepared for its {@link AuthFailure} (401 with
 * {@code WWW-Authenticate}, or 403) and the counter it is counted in. One instance per failure
 * reason, made when the trigger is created; immutable and thread-safe.
 */
public final class AuthRefusal implements AuthVerdict {
    private final AuthFailure failure;
    private final Response response;
    private final Counter counter;

    AuthRefusal(AuthFailure failure, Response response, Counter counter) {
        this.failure = failure;
        this.response = response;
        this.counter = counter;
    }

    /** Why the request was refused. */
    public AuthFailure failure() {
        return failure;
    }

    /** The answer to send: never holds the caller's credentials. */
    public Response response() {
        return response;
    }

    void count() {
        counter.increment();
    }

    @Override
    public String toString() {
        return "AuthRefusal{" + failure + "}";
    }
}
