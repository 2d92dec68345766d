package io.nucleon.client.mqtt;

import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLHandshakeException;

/**
 * Why a connection to a broker failed, in plain words, from the exception HiveMQ's client gives (the
 * cause of a disconnected context, or of a failed connect future):
 *
 * <table>
 *   <caption>What {@link #describe} says</caption>
 *   <tr><th>failure</th><th>description</th></tr>
 *   <tr><td>TLS: no trusted CA signs the broker's certificate</td>
 *       <td>{@code TLS handshake failed: the broker's certificate is not signed by a CA in caFile (or in the
 *       JVM's trust store without caFile) (PKIX path building failed: …)}</td></tr>
 *   <tr><td>TLS: the certificate is for another host</td>
 *       <td>{@code TLS handshake failed: the broker's certificate does not name host 127.0.0.1 (No subject
 *       alternative names matching IP address 127.0.0.1 found)}</td></tr>
 *   <tr><td>CONNACK NOT_AUTHORIZED, BAD_USER_NAME_OR_PASSWORD or BAD_AUTHENTICATION_METHOD</td>
 *       <td>{@code the broker refused the credentials (NOT_AUTHORIZED)}</td></tr>
 *   <tr><td>another refusing CONNACK</td><td>{@code the broker refused the connection (SERVER_UNAVAILABLE)}</td></tr>
 *   <tr><td>nothing listens on the port</td><td>{@code connection refused}</td></tr>
 *   <tr><td>anything else</td><td>the exception's message, or its class's name when it has none</td></tr>
 * </table>
 *
 * <p>A description names no password: neither the broker's answers nor the TLS errors carry one.
 */
public final class MqttConnectFailure {
    private static final Pattern NOT_NAMED = Pattern.compile(
            "No (?:subject alternative (?:DNS )?names? matching (?:IP address )?|name matching )(\\S+?)\\.? found");

    private MqttConnectFailure() {}

    /**
     * Why the connection failed; never {@code null}.
     *
     * @param failure the cause HiveMQ's client gave, wrapped or not in a {@code CompletionException} or
     *     {@code ExecutionException}; {@code null} (a connection closed without a cause) reads {@code closed}
     */
    public static String describe(Throwable failure) {
        Throwable f = unwrap(failure);
        if (f == null) {
            return "closed";
        }
        SSLHandshakeException tls = find(f, SSLHandshakeException.class);
        if (tls != null) {
            return "TLS handshake failed: " + describeHandshake(tls);
        }
        String refusal = refusal(f);
        if (refusal != null) {
            return credentials(refusal)
                    ? "the broker refused the credentials (" + refusal + ")"
                    : "the broker refused the connection (" + refusal + ")";
        }
        if (find(f, ConnectException.class) != null) {
            return "connection refused";
        }
        UnknownHostException unknown = find(f, UnknownHostException.class);
        if (unknown != null) {
            return "unknown host " + messageOf(unknown);
        }
        return messageOf(f);
    }

    /**
     * Whether trying again cannot help until the configuration (or the broker's) changes: a TLS handshake
     * refused over the certificate or by the broker's alert, or a CONNACK refusing the credentials
     * (NOT_AUTHORIZED, BAD_USER_NAME_OR_PASSWORD, BAD_AUTHENTICATION_METHOD). A refused TCP connection, a
     * timeout or a broken handshake are not: the broker may be starting.
     */
    public static boolean isLasting(Throwable failure) {
        Throwable f = unwrap(failure);
        if (f == null) {
            return false;
        }
        SSLHandshakeException tls = find(f, SSLHandshakeException.class);
        if (tls != null) {
            return certificateProblem(tls) || String.valueOf(tls.getMessage()).startsWith("Received fatal alert");
        }
        String refusal = refusal(f);
        return refusal != null && credentials(refusal);
    }

    private static String describeHandshake(SSLHandshakeException tls) {
        String message = messageOf(tls);
        Matcher m = NOT_NAMED.matcher(message);
        if (m.find()) {
            return "the broker's certificate does not name host " + m.group(1) + " (" + message + ")";
        }
        if (find(tls, CertificateExpiredException.class) != null) {
            return "the broker's certificate (or one that signs it) has expired (" + message + ")";
        }
        if (find(tls, CertPathBuilderException.class) != null || message.contains("certification path")) {
            return "the broker's certificate is not signed by a CA in caFile (or in the JVM's trust store"
                    + " without caFile) (" + message + ")";
        }
        return message;
    }

    private static boolean certificateProblem(SSLHandshakeException tls) {
        return find(tls, CertificateException.class) != null
                || find(tls, CertPathBuilderException.class) != null
                || find(tls, CertPathValidatorException.class) != null
                || NOT_NAMED.matcher(messageOf(tls)).find();
    }

    /** The CONNACK's reason code when the broker refused the connection, else {@code null}. */
    private static String refusal(Throwable f) {
        Mqtt5ConnAckException v5 = find(f, Mqtt5ConnAckException.class);
        if (v5 != null) {
            Mqtt5ConnAckReasonCode code = v5.getMqttMessage().getReasonCode();
            return code.name();
        }
        Mqtt3ConnAckException v3 = find(f, Mqtt3ConnAckException.class);
        if (v3 != null) {
            Mqtt3ConnAckReturnCode code = v3.getMqttMessage().getReturnCode();
            return code.name();
        }
        return null;
    }

    private static boolean credentials(String code) {
        return code.equals("NOT_AUTHORIZED")
                || code.equals("BAD_USER_NAME_OR_PASSWORD")
                || code.equals("BAD_AUTHENTICATION_METHOD");
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (int depth = 0; t != null && depth < 20; t = t.getCause(), depth++) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** The first message along the causes, else the class's simple name; never {@code null}. */
    static String messageOf(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                return c.getMessage();
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return t.getClass().getSimpleName();
    }
}
