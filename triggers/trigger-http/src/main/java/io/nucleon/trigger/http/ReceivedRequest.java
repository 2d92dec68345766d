package io.nucleon.trigger.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.nucleon.api.Response;
import io.nucleon.trigger.http.auth.AuthIdentity;

/**
 * What {@link RequestAssembler} hands to {@link HttpConnectionHandler}: a whole request with its body
 * in one array, or a request the trigger must answer itself without dispatching it. Holds no Netty
 * buffer, so there is nothing to release; the body's bytes are {@linkplain #reserved reserved} in the
 * trigger's {@link BodyBudget} until the request's reply is set.
 */
final class ReceivedRequest {
    /** What arrived. */
    enum Kind {
        /** A complete request, body and all. */
        COMPLETE,
        /** The request could not be parsed ({@link #failure}): answered 400 (or 414, 431), then the connection closes. */
        MALFORMED,
        /** The body is larger than {@code maxRequestBodySize}: answered 413, then the connection closes. */
        TOO_LARGE,
        /** The body does not fit in {@code maxInflightBodyBytes} now: answered 503, its body discarded. */
        OVER_BUDGET,
        /** Refused by the {@code auth} check ({@link #refusal}): answered 401 or 403, its body never held. */
        REFUSED
    }

    static final byte[] EMPTY = new byte[0];

    final Kind kind;
    final HttpRequest head;
    final byte[] body;
    /** Bytes of the {@link BodyBudget} this request holds. */
    final long reserved;
    /** Why a {@link Kind#MALFORMED} request could not be parsed. */
    final Throwable failure;
    /** Who a {@link Kind#COMPLETE} request was let in as; null when auth is off. */
    final AuthIdentity identity;
    /** The answer to a {@link Kind#REFUSED} request. */
    final Response refusal;
    /** Whether the connection closes after this request's answer (a refused request whose body is not worth reading). */
    final boolean closeAfterAnswer;

    ReceivedRequest(Kind kind, HttpRequest head, byte[] body, long reserved, Throwable failure) {
        this(kind, head, body, reserved, failure, null, null, false);
    }

    private ReceivedRequest(
            Kind kind,
            HttpRequest head,
            byte[] body,
            long reserved,
            Throwable failure,
            AuthIdentity identity,
            Response refusal,
            boolean closeAfterAnswer) {
        this.kind = kind;
        this.head = head;
        this.body = body;
        this.reserved = reserved;
        this.failure = failure;
        this.identity = identity;
        this.refusal = refusal;
        this.closeAfterAnswer = closeAfterAnswer;
    }

    /** A complete request let in as {@code identity} (null when auth is off). */
    static ReceivedRequest complete(HttpRequest head, byte[] body, long reserved, AuthIdentity identity) {
        return new ReceivedRequest(Kind.COMPLETE, head, body, reserved, null, identity, null, false);
    }

    /**
     * A request the auth check refused, to be answered {@code refusal}; then the connection closes
     * when {@code closeAfterAnswer}, rather than read a body no one will use.
     */
    static ReceivedRequest refused(HttpRequest head, Response refusal, boolean closeAfterAnswer) {
        return new ReceivedRequest(Kind.REFUSED, head, EMPTY, 0, null, null, refusal, closeAfterAnswer);
    }

    String method() {
        return head.method().name();
    }

    String uri() {
        return head.uri();
    }

    HttpHeaders headers() {
        return head.headers();
    }

    boolean keepAlive() {
        return HttpUtil.isKeepAlive(head);
    }

    boolean http10() {
        return head.protocolVersion() == HttpVersion.HTTP_1_0;
    }
}
