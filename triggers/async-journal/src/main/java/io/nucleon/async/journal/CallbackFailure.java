package io.nucleon.async.journal;

/**
 * Why a callback attempt failed, as a short class: what the status of the call shows
 * ({@code X-Nucleon-Callback-Error}, {@code "callbackError"}), what the log says after the host, and
 * the {@code rule} tag of {@code nucleon_async_callbacks_refused_total}. Never an exception's text:
 * the caller who chose the URL learns the class of the failure, not internal addresses or messages.
 *
 * <p>The refusals ({@link #refusal()}) are the address rules of {@link CallbackAddressRules}: a
 * refused callback is given up at once (it would be refused again). The ordinal is stored on disk
 * (6 bits of a status-index slot, a byte of a callback record): append new values at the end only.
 */
public enum CallbackFailure {
    /** Not failed (delivered, or still pending). */
    NONE("", null),
    REFUSED_LOOPBACK("refused: loopback address", "loopback"),
    REFUSED_LINK_LOCAL("refused: link-local address", "link-local"),
    REFUSED_PRIVATE("refused: private address", "private"),
    REFUSED_MULTICAST("refused: multicast address", "multicast"),
    REFUSED_UNSPECIFIED("refused: unspecified address", "unspecified"),
    REFUSED_RESERVED("refused: reserved address", "reserved"),
    /** An address and port this processor listens on (its triggers, its control server). */
    REFUSED_PROCESSOR("refused: the processor's own address", "processor"),
    /** {@code callbackAllowedHosts} is set and neither the host nor its address is on it. */
    REFUSED_NOT_ALLOWED("refused: not in callbackAllowedHosts", "not-allowed"),
    /** The name did not resolve (or the DNS answer could not be had within the deadline's share). */
    UNKNOWN_HOST("unknown host", null),
    /** Connecting failed, or the connection broke before the response was complete. */
    CONNECTION_FAILED("connection failed", null),
    /** The TLS handshake failed (untrusted certificate, wrong host name, protocol). */
    TLS_FAILED("TLS handshake failed", null),
    /** {@code callbackTimeout} passed before the last byte of the response. */
    TIMEOUT("timeout", null),
    /** A 3xx answer: redirects are not followed. */
    REDIRECT("HTTP 3xx: redirect not followed", null),
    HTTP_4XX("HTTP 4xx", null),
    HTTP_5XX("HTTP 5xx", null),
    /** A 1xx or other status outside 2xx–5xx. */
    HTTP_OTHER("HTTP status not 2xx", null),
    /** The answer was not HTTP/1.x that could be read (too long a status line or headers, garbage). */
    BAD_RESPONSE("malformed response", null),
    /** The URL in the journal cannot be used (accepted by an older version with looser checks). */
    INVALID_URL("invalid URL", null);

    private final String label;
    private final String rule;

    CallbackFailure(String label, String rule) {
        this.label = label;
        this.rule = rule;
    }

    /** What the status and the log show, e.g. {@code refused: loopback address}. */
    public String label() {
        return label;
    }

    /** The rule's short name for a refusal ({@code loopback}, {@code not-allowed} …), else null. */
    public String rule() {
        return rule;
    }

    /** Whether an address rule refused the callback (it is not retried). */
    public boolean refusal() {
        return rule != null;
    }

    /** The failure of an HTTP answer with {@code status} (not 2xx). */
    static CallbackFailure ofStatus(int status) {
        if (status >= 300 && status < 400) {
            return REDIRECT;
        }
        if (status >= 400 && status < 500) {
            return HTTP_4XX;
        }
        if (status >= 500 && status < 600) {
            return HTTP_5XX;
        }
        return HTTP_OTHER;
    }

    /** The value with {@code ordinal}, or {@link #NONE} for an ordinal this version does not know. */
    static CallbackFailure ofOrdinal(int ordinal) {
        CallbackFailure[] all = values();
        return ordinal >= 0 && ordinal < all.length ? all[ordinal] : NONE;
    }
}
