package io.nucleon.trigger.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ReferenceCounted;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.nucleon.spi.TriggerContext;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS of one {@code http} trigger ({@link HttpTlsConfig}): the current Netty {@link SslContext},
 * built from PEM files by {@link HttpTlsFiles}, and what each new connection's pipeline gets in front
 * of the HTTP handlers:
 * <pre>
 *  HttpTlsPlainRequestRefusal → SslHandler → HttpTlsHandshakeWatch → ConnectionTimeouts → ReadGate → codec …
 *  (plain HTTP on this port:     (handshake     (counts and logs
 *   400, close; removes itself    timeout =      failed handshakes
 *   at the first TLS record)      readTimeout)   at DEBUG)
 * </pre>
 * The SslHandler is first so that everything after it, the timeouts and the read gate included,
 * works on plaintext exactly as without TLS; the handshake has its own deadline, the trigger's
 * {@code readTimeout}, so a client that connects and never sends a ClientHello is closed then.
 *
 * <p>Provider: OpenSSL (BoringSSL from netty-tcnative) where it loads, the JDK's TLS otherwise,
 * unless {@code provider} says which; the choice is logged once at INFO and shown in {@code /status}.
 *
 * <p>Reloading: a thread of its own (never an event loop) looks at the files' modification time,
 * size and identity every {@code reloadInterval}; when they changed it loads them again and swaps the
 * context in for new connections (open ones keep theirs). Files that cannot be used keep the previous
 * context and log one WARN, not repeated until the files change again.
 *
 * <p>Thread-safety: {@link #addTo} runs on event loops, the reload on its own thread; the current
 * context is published through a volatile field. {@link #start} and {@link #close} are called once
 * each by the trigger's owner (close also when the trigger never started).
 */
final class HttpTls implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpTls.class);

    /** Why a handshake failed, as counted in {@code nucleon_http_tls_handshake_failures_total{reason}}. */
    enum HandshakeFailure {
        /** The client sent something that is not TLS (plain HTTP, most likely): answered 400 in plain text. */
        NOT_TLS,
        /** The handshake did not finish within {@code readTimeout}. */
        TIMEOUT,
        /**
         * The client closed the connection before the handshake finished: it may not trust the
         * certificate (a TLS 1.3 client that refuses it may just hang up), or it simply went away.
         */
        CLOSED,
        /** The handshake failed: no common protocol or cipher, a certificate the other side refused, a bad message. */
        REJECTED;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final String triggerName;
    private final HttpTlsConfig config;
    private final SslProvider provider;
    private final long handshakeTimeoutMillis;
    private volatile HttpTlsFiles.Loaded current;
    /** Files whose load failed, not tried again (nor warned about again) until they change. */
    private List<Object> failedStamps;

    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    private final AtomicLong checks = new AtomicLong();
    private final Map<HandshakeFailure, Counter> failures = new java.util.EnumMap<>(HandshakeFailure.class);
    private final Counter reloadedCounter;
    private final Counter reloadFailedCounter;
    private final RateLimitedLog handshakeLog = new RateLimitedLog(LOG, Duration.ofSeconds(10));
    private ScheduledExecutorService reloader;
    private boolean closed;

    private HttpTls(
            TriggerContext context,
            HttpTlsConfig config,
            SslProvider provider,
            HttpTlsFiles.Loaded first,
            Duration readTimeout) {
        this.triggerName = context.name();
        this.config = config;
        this.provider = provider;
        this.current = first;
        this.handshakeTimeoutMillis = Math.max(1, readTimeout.toMillis());
        MeterRegistry registry = context.meterRegistry();
        Tags tags = Tags.of("function", context.functionName(), "trigger", context.name(), "kind", context.kind());
        for (HandshakeFailure f : HandshakeFailure.values()) {
            failures.put(
                    f,
                    Counter.builder("nucleon.http.tls.handshake.failures")
                            .description("TLS handshakes the http trigger saw fail, by reason")
                            .tags(tags)
                            .tag("reason", f.tag())
                            .register(registry));
        }
        reloadedCounter = Counter.builder("nucleon.http.tls.reloads")
                .description("Reloads of the TLS certificate files")
                .tags(tags)
                .tag("result", "loaded")
                .register(registry);
        reloadFailedCounter = Counter.builder("nucleon.http.tls.reloads")
                .description("Reloads of the TLS certificate files")
                .tags(tags)
                .tag("result", "failed")
                .register(registry);
        Gauge.builder(
                        "nucleon.http.tls.certificate.not.after",
                        this,
                        t -> t.current.certificate().getNotAfter().getTime() / 1000.0)
                .description("When the served certificate expires, in seconds since the epoch")
                .baseUnit("seconds")
                .tags(tags)
                .register(registry);
    }

    /**
     * Checks the {@code tls} block and loads its files, so that a bad one stops the function from
     * starting with the attribute's path in the message.
     *
     * @throws io.nucleon.api.FunctionConfigException naming the {@code tls.*} attribute that is wrong
     */
    static HttpTls open(TriggerContext context, HttpTlsConfig config, Duration readTimeout) {
        SslProvider provider = validate(context, config);
        HttpTlsFiles.Loaded first;
        try {
            first = HttpTlsFiles.load(config, provider);
        } catch (HttpTlsFiles.Problem p) {
            throw context.attributeError("tls." + p.attribute, p.getMessage());
        }
        return new HttpTls(context, config, provider, first, readTimeout);
    }

    private static SslProvider validate(TriggerContext context, HttpTlsConfig c) {
        if (c.certFile == null || c.certFile.isBlank()) {
            throw context.attributeError(
                    "tls.certFile", "is required: the PEM file with the server's certificate (and its chain)");
        }
        if (c.keyFile == null || c.keyFile.isBlank()) {
            throw context.attributeError("tls.keyFile", "is required: the PEM file with the certificate's private key");
        }
        if (c.keyPassword != null && c.keyPasswordFile != null) {
            throw context.attributeError("tls.keyPassword", "give keyPassword or keyPasswordFile, not both");
        }
        if (c.clientAuth == null || !HttpTlsConfig.CLIENT_AUTH.contains(c.clientAuth)) {
            throw context.attributeError(
                    "tls.clientAuth", "must be none, optional or require, got " + quoted(c.clientAuth));
        }
        boolean asksClients = !c.clientAuth.equals("none");
        if (asksClients && (c.clientCaFile == null || c.clientCaFile.isBlank())) {
            throw context.attributeError(
                    "tls.clientCaFile",
                    "is required when clientAuth is " + c.clientAuth
                            + ": the PEM file with the CA certificates that client certificates must chain to");
        }
        if (!asksClients && c.clientCaFile != null) {
            // safe by default: a CA given means client certificates were meant to be checked
            throw context.attributeError(
                    "tls.clientAuth",
                    "is none, but clientCaFile is set: set clientAuth to require "
                            + "(or optional) to verify client certificates, or remove clientCaFile");
        }
        if (c.protocols == null || c.protocols.isEmpty()) {
            throw context.attributeError(
                    "tls.protocols", "must list at least one of " + HttpTlsConfig.SUPPORTED_PROTOCOLS);
        }
        for (int i = 0; i < c.protocols.size(); i++) {
            String p = c.protocols.get(i);
            if (!HttpTlsConfig.SUPPORTED_PROTOCOLS.contains(p)) {
                throw context.attributeError(
                        "tls.protocols[" + i + "]",
                        "must be TLSv1.3 or TLSv1.2 (older versions are not "
                                + "offered: they have known weaknesses), got " + quoted(p));
            }
        }
        if (new HashSet<>(c.protocols).size() != c.protocols.size()) {
            throw context.attributeError("tls.protocols", "lists a protocol twice: " + c.protocols);
        }
        if (c.provider == null || !HttpTlsConfig.PROVIDERS.contains(c.provider)) {
            throw context.attributeError("tls.provider", "must be auto, openssl or jdk, got " + quoted(c.provider));
        }
        SslProvider provider = switch (c.provider) {
            case "openssl" -> {
                if (!OpenSsl.isAvailable()) {
                    throw context.attributeError(
                            "tls.provider",
                            "is openssl, but OpenSSL (netty-tcnative) cannot be loaded here: "
                                    + OpenSsl.unavailabilityCause() + "; use auto or jdk");
                }
                yield SslProvider.OPENSSL;
            }
            case "jdk" -> SslProvider.JDK;
            default -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        };
        if (provider == SslProvider.OPENSSL
                && c.protocols.contains("TLSv1.3")
                && !SslProvider.isTlsv13Supported(SslProvider.OPENSSL)) {
            throw context.attributeError(
                    "tls.protocols",
                    "includes TLSv1.3, which this OpenSSL (" + OpenSsl.versionString()
                            + ") does not support; use provider jdk, or TLSv1.2 only");
        }
        if (c.ciphers != null) {
            if (c.ciphers.isEmpty()) {
                throw context.attributeError(
                        "tls.ciphers",
                        "must list at least one cipher suite, or be left out for the provider's defaults");
            }
            Set<String> available = availableCiphers(provider);
            for (int i = 0; i < c.ciphers.size(); i++) {
                String cipher = c.ciphers.get(i);
                if (cipher == null || !available.contains(cipher)) {
                    throw context.attributeError(
                            "tls.ciphers[" + i + "]",
                            "is not a cipher suite the " + providerName(provider)
                                    + " provider supports, got " + quoted(cipher)
                                    + " (use Java/IANA names, e.g. TLS_AES_128_GCM_SHA256, "
                                    + "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
                }
            }
        }
        if (c.reloadInterval == null
                || c.reloadInterval.isNegative()
                || (!c.reloadInterval.isZero() && c.reloadInterval.compareTo(Duration.ofSeconds(1)) < 0)) {
            throw context.attributeError(
                    "tls.reloadInterval", "must be at least 1s, or 0s to turn reloading off, got " + c.reloadInterval);
        }
        return provider;
    }

    private static Set<String> availableCiphers(SslProvider provider) {
        if (provider == SslProvider.OPENSSL) {
            return OpenSsl.availableJavaCipherSuites();
        }
        try {
            return Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's default SSLContext is not available: " + e, e);
        }
    }

    private static String quoted(String value) {
        return value == null ? "null" : "\"" + value + "\"";
    }

    static String providerName(SslProvider provider) {
        return provider == SslProvider.OPENSSL ? "openssl" : "jdk";
    }

    /** Starts watching the files (unless {@code reloadInterval} is 0) and says, once, how TLS is served. */
    void start() {
        X509Certificate cert = current.certificate();
        String providerText = provider == SslProvider.OPENSSL
                ? "openssl (" + OpenSsl.versionString() + ")"
                : "jdk"
                        + (config.provider.equals("auto")
                                ? " (OpenSSL not available: " + OpenSsl.unavailabilityCause() + ")"
                                : "");
        LOG.atInfo()
                .addKeyValue("trigger", triggerName)
                .addKeyValue("provider", providerText)
                .addKeyValue("protocols", String.join(",", config.protocols))
                .addKeyValue("clientAuth", config.clientAuth)
                .addKeyValue("certificate", cert.getSubjectX500Principal().getName())
                .addKeyValue("notAfter", cert.getNotAfter().toInstant())
                .log("http trigger serves TLS");
        warnIfNotValidNow(cert);
        if (!config.reloadInterval.isZero()) {
            reloader = Executors.newSingleThreadScheduledExecutor(
                    new DefaultThreadFactory("nucleon-http-" + triggerName + "-tls", true));
            long millis = config.reloadInterval.toMillis();
            reloader.scheduleWithFixedDelay(this::checkFiles, millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    private void warnIfNotValidNow(X509Certificate cert) {
        Instant now = Instant.now();
        if (cert.getNotAfter().toInstant().isBefore(now)) {
            LOG.atWarn()
                    .addKeyValue("trigger", triggerName)
                    .log("the TLS certificate " + cert.getSubjectX500Principal().getName() + " expired at "
                            + cert.getNotAfter().toInstant() + ": clients will refuse it");
        } else if (cert.getNotBefore().toInstant().isAfter(now)) {
            LOG.atWarn()
                    .addKeyValue("trigger", triggerName)
                    .log("the TLS certificate " + cert.getSubjectX500Principal().getName() + " is not valid before "
                            + cert.getNotBefore().toInstant() + ": clients will refuse it until then");
        }
    }

    /** One look at the files, on the reload thread; loads them again when they changed. Never throws. */
    void checkFiles() {
        try {
            checks.incrementAndGet();
            List<Object> stamps = HttpTlsFiles.stamps(config);
            if (stamps.equals(current.stamps()) || stamps.equals(failedStamps)) {
                return;
            }
            HttpTlsFiles.Loaded loaded;
            try {
                loaded = HttpTlsFiles.load(config, provider);
            } catch (HttpTlsFiles.Problem p) {
                failedStamps = stamps;
                reloadFailures.incrementAndGet();
                reloadFailedCounter.increment();
                LOG.atWarn()
                        .addKeyValue("trigger", triggerName)
                        .log("the changed TLS files cannot be used; new connections "
                                + "keep the certificate loaded before (this is logged once until the files change again): tls."
                                + p.attribute + ": " + p.getMessage());
                return;
            }
            failedStamps = null;
            HttpTlsFiles.Loaded old = current;
            current = loaded;
            ReferenceCountUtil.release(old.context()); // its open connections' engines hold it until they close
            reloads.incrementAndGet();
            reloadedCounter.increment();
            X509Certificate cert = loaded.certificate();
            LOG.atInfo()
                    .addKeyValue("trigger", triggerName)
                    .addKeyValue("certificate", cert.getSubjectX500Principal().getName())
                    .addKeyValue("serial", cert.getSerialNumber().toString(16))
                    .addKeyValue("notAfter", cert.getNotAfter().toInstant())
                    .log("TLS files reloaded; new connections use them");
            warnIfNotValidNow(cert);
        } catch (RuntimeException | Error e) {
            LOG.atWarn().setCause(e).addKeyValue("trigger", triggerName).log("checking the TLS files failed");
        }
    }

    /** Adds the TLS handlers in front of a new connection's pipeline. Event loop. */
    void addTo(Channel ch, ChannelPipeline p) {
        SslHandler ssl = newHandler(ch);
        ssl.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        p.addLast(HttpTlsPlainRequestRefusal.NAME, new HttpTlsPlainRequestRefusal(this));
        p.addLast(HttpTlsHandshakeWatch.SSL_NAME, ssl);
        p.addLast(HttpTlsHandshakeWatch.NAME, new HttpTlsHandshakeWatch(this));
    }

    /**
     * A handler from the current context. The reload thread may swap the context and release the
     * old one at any moment, so it is retained while the engine is made (the engine then holds it);
     * one released in between is simply passed over for the new one.
     */
    private SslHandler newHandler(Channel ch) {
        for (; ; ) {
            SslContext context = current.context();
            if (!(context instanceof ReferenceCounted counted)) {
                return context.newHandler(ch.alloc());
            }
            try {
                counted.retain();
            } catch (IllegalReferenceCountException swappedAndReleased) {
                continue;
            }
            try {
                return context.newHandler(ch.alloc());
            } finally {
                counted.release();
            }
        }
    }

    /** A handshake failed: counted, and logged at DEBUG (at most one line per 10 s). Any thread. */
    void handshakeFailed(Channel ch, HandshakeFailure reason, Throwable cause) {
        failures.get(reason).increment();
        if (LOG.isDebugEnabled()) {
            String detail = cause == null
                    ? ""
                    : ": "
                            + (cause instanceof io.netty.handler.ssl.NotSslRecordException
                                    ? "not a TLS record" // its message would dump what the client sent
                                    : cause.getClass().getSimpleName()
                                            + (cause.getMessage() == null ? "" : " " + cause.getMessage()));
            handshakeLog.debug(
                    triggerName,
                    "TLS handshake with " + ch.remoteAddress() + " failed (" + reason.tag() + ")" + detail);
        }
    }

    /** The context new connections get now. */
    SslContext context() {
        return current.context();
    }

    /** For {@code /status}. */
    Map<String, Object> status() {
        X509Certificate cert = current.certificate();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("provider", providerName(provider));
        m.put("protocols", config.protocols);
        m.put("clientAuth", config.clientAuth);
        m.put(
                "certificate",
                Map.of(
                        "subject",
                        cert.getSubjectX500Principal().getName(),
                        "serial",
                        cert.getSerialNumber().toString(16),
                        "notAfter",
                        cert.getNotAfter().toInstant().toString()));
        m.put("reloadInterval", config.reloadInterval.toString());
        m.put("fileChecks", checks.get());
        m.put("reloads", reloads.get());
        m.put("reloadFailures", reloadFailures.get());
        Map<String, Object> failed = new LinkedHashMap<>();
        failures.forEach((reason, counter) -> failed.put(reason.tag(), (long) counter.count()));
        m.put("handshakeFailures", failed);
        return m;
    }

    /** Stops watching the files and lets go of the context (connections still open keep it until they close). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (reloader != null) {
            reloader.shutdownNow();
            try {
                reloader.awaitTermination(5, TimeUnit.SECONDS); // a reload under way swaps before this releases
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ReferenceCountUtil.release(current.context());
    }
}
