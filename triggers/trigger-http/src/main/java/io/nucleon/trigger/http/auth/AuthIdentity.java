package io.nucleon.trigger.http.auth;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who a request was let in as: the event fields the trigger adds for the handler,
 * {@value #SUBJECT} and {@value #CLAIM_PREFIX}{@code <name>}. Immutable and thread-safe; one
 * instance serves every request of the same user, token or cached JWT.
 *
 * <p>Every field whose name starts with {@value #PREFIX} belongs to the trigger: a query parameter
 * of such a name never reaches the event, with or without auth configured, so a handler can trust
 * {@code auth.subject} to come from a verified credential and from nothing else.
 */
public final class AuthIdentity implements AuthVerdict {
    /** The prefix reserved for the fields the trigger sets. */
    public static final String PREFIX = "auth.";
    /** The field holding the verified subject: the user name, the token's name, or the JWT's subject claim. */
    public static final String SUBJECT = "auth.subject";
    /** The prefix of the fields holding the JWT claims named in {@code auth.claims}. */
    public static final String CLAIM_PREFIX = "auth.claim.";

    /** A request let in without credentials (an exempt path): no fields. */
    public static final AuthIdentity NONE = new AuthIdentity(Map.of());

    private final Map<String, Object> fields;

    private AuthIdentity(Map<String, Object> fields) {
        this.fields = fields;
    }

    /** An identity with only a subject, or none when {@code subject} is null. */
    static AuthIdentity ofSubject(String subject) {
        return subject == null ? NONE : new AuthIdentity(Map.of(SUBJECT, subject));
    }

    /** An identity with these fields (names already prefixed), kept in their order. */
    static AuthIdentity ofFields(Map<String, Object> fields) {
        return fields.isEmpty() ? NONE : new AuthIdentity(Collections.unmodifiableMap(new LinkedHashMap<>(fields)));
    }

    /** The fields this identity adds to an event, read-only. */
    public Map<String, Object> fields() {
        return fields;
    }

    /** The verified subject, or {@code null}. */
    public String subject() {
        return (String) fields.get(SUBJECT);
    }

    /**
     * An event's fields: the request's {@code query} fields without any of the reserved
     * {@value #PREFIX} names, and the fields of {@code identity} (which may be null). Allocates only
     * when both have something to give or a reserved name must be dropped.
     */
    public static Map<String, Object> eventFields(Map<String, Object> query, AuthIdentity identity) {
        Map<String, Object> own = identity == null ? Map.of() : identity.fields;
        if (query.isEmpty()) {
            return own;
        }
        boolean reservedInQuery = false;
        for (String name : query.keySet()) {
            if (name.startsWith(PREFIX)) {
                reservedInQuery = true;
                break;
            }
        }
        if (!reservedInQuery && own.isEmpty()) {
            return query;
        }
        Map<String, Object> m = new LinkedHashMap<>(query.size() + own.size());
        for (Map.Entry<String, Object> e : query.entrySet()) {
            if (!e.getKey().startsWith(PREFIX)) {
                m.put(e.getKey(), e.getValue());
            }
        }
        m.putAll(own);
        return Collections.unmodifiableMap(m);
    }

    @Override
    public String toString() {
        return "AuthIdentity" + fields.keySet();
    }
}
