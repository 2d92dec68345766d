package io.nucleon.trigger.http;

import java.time.Duration;
import java.util.List;

/**
 * The {@code tls} block of an {@code http} trigger's attributes: serve HTTPS with a certificate and
 * key from PEM files, optionally asking clients for certificates. Absent (the default), the trigger
 * speaks plain HTTP. Checked and loaded when the trigger is created, so a missing file, a key that
 * does not belong to the certificate or an unknown protocol stops the function from starting, with
 * the attribute's path in the message. See {@link HttpTls}.
 */
public final class HttpTlsConfig {
    /** The values of {@link #clientAuth}. */
    static final List<String> CLIENT_AUTH = List.of("none", "optional", "require");
    /** The values of {@link #provider}. */
    static final List<String> PROVIDERS = List.of("auto", "openssl", "jdk");
    /** The protocols that may be enabled; older ones have known weaknesses and are not offered. */
    static final List<String> SUPPORTED_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** PEM file with the server's certificate first, then any intermediate certificates (required). */
    public String certFile;
    /** PEM file with the certificate's private key, PKCS#8 ({@code PRIVATE KEY} or {@code ENCRYPTED PRIVATE KEY}) (required). */
    public String keyFile;
    /** The password of an encrypted key; prefer {@link #keyPasswordFile}, which keeps it out of {@code function.yaml}. */
    public String keyPassword;
    /** A file whose content (without a trailing newline) is the password of an encrypted key. */
    public String keyPasswordFile;
    /** Whether clients are asked for a certificate: {@code none}, {@code optional} (verified when given) or {@code require}. */
    public String clientAuth = "none";
    /** PEM file with the CA certificates that client certificates must chain to (required unless clientAuth is none). */
    public String clientCaFile;
    /** The protocol versions enabled, from {@code TLSv1.3} and {@code TLSv1.2}. */
    public List<String> protocols = SUPPORTED_PROTOCOLS;
    /** Cipher suites enabled (Java/IANA names, e.g. {@code TLS_AES_128_GCM_SHA256}); {@code null}: the provider's safe defaults. */
    public List<String> ciphers;
    /** {@code auto} (OpenSSL through netty-tcnative where it loads, else the JDK), {@code openssl} or {@code jdk}. */
    public String provider = "auto";
    /**
     * How often the files are checked for changes; a change loads them again for new connections
     * (connections already open keep theirs). {@code 0s} turns reloading off.
     */
    public Duration reloadInterval = Duration.ofSeconds(5);
}
