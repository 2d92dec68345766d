package io.nucleon.client.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedListener;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedListener;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Objects;
import javax.net.ssl.TrustManagerFactory;

/**
 * How to reach a broker, as the mqtt trigger and binding both read it from their attributes, and the
 * HiveMQ client builder it gives. The caller builds the client and sends its own CONNECT:
 *
 * <pre>{@code
 * var setup = new MqttClientSetup(broker, clientId, caFile, username, password, onConnected, onDisconnected);
 * Mqtt5AsyncClient client = setup.mqtt5().buildAsync();
 * client.connectWith().keepAlive(30).send();
 * }</pre>
 *
 * <p>The builder has no automatic reconnection: the disconnected listener decides (HiveMQ's
 * {@code context.getReconnector()}). A user name or password given as an attribute wins over the one in
 * the url.
 *
 * @param broker the broker's url, read by {@link MqttBroker#parse}
 * @param clientId the MQTT client identifier
 * @param caFile a PEM file of the certificates that sign the broker's; empty or {@code null}: the JVM's
 *     trust store. Read for TLS urls only
 * @param username the user name attribute; empty or {@code null}: the url's, or none
 * @param password the password attribute; empty or {@code null}: the url's, or none. Never logged
 * @param connected called on every successful connection, or {@code null}
 * @param disconnected called on every lost connection and failed attempt, or {@code null}
 */
public record MqttClientSetup(
        MqttBroker broker,
        String clientId,
        String caFile,
        String username,
        String password,
        MqttClientConnectedListener connected,
        MqttClientDisconnectedListener disconnected) {

    public MqttClientSetup {
        Objects.requireNonNull(broker, "broker");
        Objects.requireNonNull(clientId, "clientId");
    }

    /** The user name to connect with: the attribute's, else the url's, else {@code null}. */
    public String user() {
        return username != null && !username.isEmpty() ? username : broker.user();
    }

    /** Hidden: the record's own {@code toString} would print the password. */
    @Override
    public String toString() {
        return "MqttClientSetup[" + broker.safeUrl() + " as " + clientId + "]";
    }

    /**
     * A builder for an MQTT 5 client.
     *
     * @throws IOException when {@code caFile} cannot be read (the message names it)
     * @throws GeneralSecurityException when {@code caFile} holds no PEM certificate
     */
    public Mqtt5ClientBuilder mqtt5() throws IOException, GeneralSecurityException {
        Mqtt5ClientBuilder b = common().useMqttVersion5();
        String user = user();
        if (user != null) {
            var auth = b.simpleAuth().username(user);
            String pw = secret();
            b = pw == null ? auth.applySimpleAuth() : auth.password(bytes(pw)).applySimpleAuth();
        }
        return b;
    }

    /**
     * A builder for an MQTT 3.1.1 client.
     *
     * @throws IOException when {@code caFile} cannot be read (the message names it)
     * @throws GeneralSecurityException when {@code caFile} holds no PEM certificate
     */
    public Mqtt3ClientBuilder mqtt3() throws IOException, GeneralSecurityException {
        Mqtt3ClientBuilder b = common().useMqttVersion3();
        String user = user();
        if (user != null) {
            var auth = b.simpleAuth().username(user);
            String pw = secret();
            b = pw == null ? auth.applySimpleAuth() : auth.password(bytes(pw)).applySimpleAuth();
        }
        return b;
    }

    private String secret() {
        return password != null && !password.isEmpty() ? password : broker.password();
    }

    private MqttClientBuilder common() throws IOException, GeneralSecurityException {
        MqttClientBuilder b = MqttClient.builder()
                .identifier(clientId)
                .serverHost(broker.host())
                .serverPort(broker.port());
        if (connected != null) {
            b = b.addConnectedListener(connected);
        }
        if (disconnected != null) {
            b = b.addDisconnectedListener(disconnected);
        }
        if (broker.tls()) {
            b = caFile == null || caFile.isEmpty()
                    ? b.sslWithDefaultConfig()
                    : b.sslConfig().trustManagerFactory(trust(caFile)).applySslConfig();
        }
        if (broker.webSocket()) {
            b = b.webSocketConfig().serverPath(broker.path()).applyWebSocketConfig();
        }
        return b;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A trust manager factory that trusts the PEM certificates in {@code caFile} and nothing else.
     *
     * @throws IOException when the file cannot be read: "cannot read caFile &lt;file&gt;: &lt;why&gt;"
     * @throws GeneralSecurityException when it holds no certificate: "&lt;file&gt; holds no PEM certificate"
     */
    public static TrustManagerFactory trust(String caFile) throws IOException, GeneralSecurityException {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(Path.of(caFile))) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read caFile " + caFile + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot read caFile " + caFile + ": permission denied", e);
        } catch (IOException e) {
            throw new IOException("cannot read caFile " + caFile + ": " + e.getMessage(), e);
        } catch (CertificateException e) {
            throw new GeneralSecurityException(
                    caFile + " holds no PEM certificate (" + MqttConnectFailure.messageOf(e) + ")", e);
        }
        if (certificates.isEmpty()) {
            throw new GeneralSecurityException(caFile + " holds no PEM certificate");
        }
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (Certificate c : certificates) {
            ks.setCertificateEntry("ca-" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf;
    }
}
