package io.nucleon.benchmarks.overload;

import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import io.nucleon.api.Response;
import java.util.concurrent.locks.LockSupport;

/**
 * A handler that takes a fixed time per call without using the CPU meanwhile: it parks its worker
 * thread for {@code SERVICE_TIME_US} microseconds (the function's env, default 2000) and answers
 * {@code 200 "ok"}. With {@code numWorkers} workers its capacity is about
 * {@code numWorkers / service time} calls per second (4 workers, 2 ms: 2 000/s), whatever the
 * machine's cores, so the CPU stays free for the event loops that must turn the excess away. A busy
 * wait would not: it would eat the cores the event loops need.
 *
 * <p>A park can end early (spuriously) and ends a little late (the kernel's timer slack, some 50 µs
 * here), so it parks again until the deadline has passed: a call takes the service time plus that
 * slack, never less. An interrupt (the event timeout) ends it with the interrupt flag set.
 *
 * <p>Stateless after {@link #init}: one instance per worker, as for any class named in
 * {@code spec.handler}; used by {@code benchmarks/overload.sh}.
 */
public final class FixedServiceTimeHandler implements Handler {
    /** The env variable (of {@code spec.env} or the process) giving the service time in microseconds. */
    public static final String SERVICE_TIME_ENV = "SERVICE_TIME_US";

    private static final long DEFAULT_MICROS = 2000;

    private long serviceNanos;
    private Response ok;

    @Override
    public void init(Context context) {
        String v = context.env(SERVICE_TIME_ENV);
        long micros = DEFAULT_MICROS;
        if (v != null && !v.isBlank()) {
            try {
                micros = Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        SERVICE_TIME_ENV + " must be a whole number of microseconds, got '" + v + "'");
            }
            if (micros < 0) {
                throw new IllegalArgumentException(SERVICE_TIME_ENV + " must be 0 or more, got " + micros);
            }
        }
        serviceNanos = micros * 1000;
        ok = Response.text("ok");
    }

    @Override
    public Object handle(Context context, Event event) {
        long deadline = System.nanoTime() + serviceNanos;
        for (long left = serviceNanos; left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
        }
        return ok;
    }
}
