package io.nucleon.trigger.http.auth;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * JWTs already verified, so that a client calling again with the same token costs a lookup rather
 * than a signature check. One least-recently-used map per thread (each event loop has its own: no
 * lock, no sharing), of at most {@code capacity} entries, each kept until its token expires (plus
 * the clock skew) and at most {@link #MAX_AGE_MILLIS}. Only tokens that passed every check are put
 * in, so a caller without a valid token cannot fill it, and one with many valid tokens only pushes
 * out older ones: memory is bounded by {@code capacity} × {@link #MAX_TOKEN_LENGTH} per event loop.
 *
 * <p>An entry belongs to the {@link JwtAuthenticator} that verified it: after the keys are reloaded,
 * every entry of the previous ones is a miss.
 */
final class VerifiedTokenCache {
    /** The longest a verified token is trusted without being verified again. */
    static final long MAX_AGE_MILLIS = 5 * 60_000L;
    /** Longer tokens (with their header's scheme) are verified every time rather than kept. */
    static final int MAX_TOKEN_LENGTH = 8192;

    private record Verified(Object owner, AuthIdentity identity, long notAfterMillis) {}

    private final FastThreadLocal<Map<String, Verified>> perThread;

    VerifiedTokenCache(int capacity) {
        this.perThread = new FastThreadLocal<>() {
            @Override
            protected Map<String, Verified> initialValue() {
                return new LinkedHashMap<>(Math.min(capacity, 64) * 2, 0.75f, true) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, Verified> eldest) {
                        return size() > capacity;
                    }
                };
            }
        };
    }

    /**
     * The identity {@code owner} verified {@code token} as (the token, or the whole header that
     * carried it), if that is still valid at {@code nowMillis}; else null.
     */
    AuthIdentity get(String token, Object owner, long nowMillis) {
        Map<String, Verified> map = perThread.get();
        Verified e = map.get(token);
        if (e == null) {
            return null;
        }
        if (e.owner != owner || nowMillis >= e.notAfterMillis) {
            map.remove(token);
            return null;
        }
        return e.identity;
    }

    /** Remembers that {@code owner} verified {@code token} as {@code identity}, valid until {@code notAfterMillis}. */
    void put(String token, Object owner, AuthIdentity identity, long nowMillis, long notAfterMillis) {
        if (token.length() > MAX_TOKEN_LENGTH) {
            return;
        }
        perThread.get().put(token, new Verified(owner, identity, Math.min(notAfterMillis, nowMillis + MAX_AGE_MILLIS)));
    }
}
