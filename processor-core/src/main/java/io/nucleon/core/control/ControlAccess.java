package io.nucleon.core.control;

import io.nucleon.api.Response;
import io.nucleon.spi.ErrorResponses;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Who may use the control server's endpoints beyond the probes. With a token, a guarded endpoint
 * asks for {@code Authorization: Bearer <token>}, compared in constant time (both sides hashed, so
 * not even the length leaks). Without one, {@code /metrics} and {@code /status} answer anyone who
 * can reach the port, and admin operations answer only while the server listens on loopback: a
 * wider listener needs a token for them, whatever the peer's address. Thread-safe once
 * {@link #bound} has been called (before the server starts).
 */
final class ControlAccess {
    private static final String REALM = "Bearer realm=\"nucleon-control\"";

    private final byte[] tokenHash;
    private volatile boolean loopbackOnly = true;
    private volatile String where = "";

    ControlAccess(String token) {
        this.tokenHash = token == null || token.isEmpty() ? null : sha256(token.getBytes(StandardCharsets.UTF_8));
    }

    /** Records where the server listens: a loopback address, or beyond it. */
    void bound(InetSocketAddress address) {
        loopbackOnly = address.getAddress() != null && address.getAddress().isLoopbackAddress();
        where = address.getHostString() + ":" + address.getPort();
    }

    /** Whether the server listens beyond loopback without a token (worth a warning at start). */
    boolean openBeyondLoopback() {
        return !loopbackOnly && tokenHash == null;
    }

    /** {@code endpoint} behind this access rule; {@code admin} for operations that change state. */
    ControlRoutes.Endpoint guarded(boolean admin, ControlRoutes.Endpoint endpoint) {
        return request -> {
            Response refusal = check(request, admin);
            return refusal != null ? refusal : endpoint.answer(request);
        };
    }

    /** The refusal for {@code request}, or {@code null} when it may go on. */
    Response check(ControlRequest request, boolean admin) {
        if (tokenHash == null) {
            if (admin && !loopbackOnly) {
                return ErrorResponses.error(
                        403,
                        "forbidden",
                        null,
                        "admin endpoints need a control token when the control " + "server listens beyond loopback ("
                                + where + "); set NUCLEON_CONTROL_TOKEN_FILE or --control-token-file");
            }
            return null;
        }
        String auth = request.header("authorization");
        if (auth == null || auth.length() < 7 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return unauthorized("missing bearer token");
        }
        byte[] given = sha256(auth.substring(7).trim().getBytes(StandardCharsets.UTF_8));
        if (!MessageDigest.isEqual(given, tokenHash)) {
            return unauthorized("invalid token");
        }
        return null;
    }

    private static Response unauthorized(String why) {
        return Response.status(401)
                .contentType(Response.APPLICATION_JSON)
                .header("WWW-Authenticate", REALM + (why.startsWith("invalid") ? ", error=\"invalid_token\"" : ""))
                .body(ErrorResponses.body(
                        "unauthorized", null, why + ": this endpoint needs Authorization: Bearer <control token>"))
                .build();
    }

    private static byte[] sha256(byte[] in) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(in);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
