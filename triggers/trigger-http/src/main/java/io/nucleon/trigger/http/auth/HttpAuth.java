package io.nucleon.trigger.http.auth;

import com.nimbusds.jose.JWSAlgorithm;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.nucleon.spi.TriggerContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code auth} of an {@code http} trigger: decides, for each request, whether it may go on and
 * as whom. Made by {@link #create} from the {@code auth} attributes (which checks them and loads
 * every file, so a bad configuration fails the start with the attribute's path); {@link #check}ed
 * by the connection pipeline once a request's head has arrived, before its body is read into
 * memory, dispatched, or routed to the async intake (so async status URLs are covered too).
 *
 * <p>Threads: {@link #check} runs on the event loops and never blocks: the credentials are loaded
 * beforehand into an immutable {@link Authenticator}, and every refusal is prepared
 * ({@link AuthRefusals}). Files are watched by one daemon thread of this trigger's, started by
 * {@link #start} (every {@code reloadInterval}), which swaps in a new {@link Authenticator} when a
 * file changed and can be used, and keeps the old one (logging why) when not.
 *
 * <p>Secrets: only salted hashes of passwords, hashes of tokens and verifier keys are kept; nothing
 * this class logs or answers holds a credential, a token or a file's content.
 */
public final class HttpAuth implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpAuth.class);
    private static final Set<String> KINDS = Set.of("none", "basic", "bearer", "jwt");
    private static final long MAX_CLOCK_SKEW_MILLIS = 5 * 60_000L;
    private static final int MAX_CACHE_SIZE = 1_000_000;

    /** Loads a new {@link Authenticator} from the configured sources. */
    private interface Loader {
        Authenticator load(List<String> notes) throws AuthConfigException;
    }

    private final String triggerName;
    private final String kind;
    private final String realm;
    private final ExemptPaths exempt;
    private final boolean forwardCredentials;
    private final Duration reloadInterval;
    private final List<SecretFile> files;
    private final Loader loader;
    private final Counter reloaded;
    private final Counter reloadFailed;
    private volatile Authenticator current;
    /** The files' stamps when {@link #current} was loaded (or last tried); reloader thread only. */
    private List<Object> stamps;

    private volatile String lastReloadProblem;
    private ScheduledExecutorService reloader;

    private HttpAuth(TriggerContext context, HttpAuthOptions o, String realm, List<SecretFile> files, Loader loader)
            throws AuthConfigException {
        this.triggerName = context.name();
        this.kind = o.kind;
        this.realm = realm;
        this.exempt = ExemptPaths.of(o.exemptPaths);
        this.forwardCredentials = o.forwardCredentials;
        this.reloadInterval = o.reloadInterval;
        this.files = files;
        this.loader = loader;
        Tags tags = Tags.of("function", context.functionName(), "trigger", context.name(), "kind", context.kind());
        String help = "Reloads of the http trigger's auth files, by result";
        this.reloaded = Counter.builder("nucleon.http.auth.reloads")
                .description(help)
                .tags(tags)
                .tag("result", "ok")
                .register(context.meterRegistry());
        this.reloadFailed = Counter.builder("nucleon.http.auth.reloads")
                .description(help)
                .tags(tags)
                .tag("result", "failed")
                .register(context.meterRegistry());
        this.stamps = stamps();
        List<String> notes = new ArrayList<>();
        this.current = loader.load(notes);
        notes.forEach(n -> LOG.atInfo().addKeyValue("trigger", triggerName).log("auth: " + n));
    }

    /**
     * The auth of a trigger, or {@code null} when {@code options.kind} is {@code none} (or the block
     * is absent). Checks every attribute and loads every file now.
     *
     * @throws io.nucleon.api.FunctionConfigException naming the attribute's path and what is wrong
     */
    public static HttpAuth create(TriggerContext context, HttpAuthOptions options) {
        HttpAuthOptions o = options != null ? options : new HttpAuthOptions();
        // an explicit null in the file means "not given": the defaults' empty lists and maps
        o.exemptPaths = o.exemptPaths != null ? o.exemptPaths : List.of();
        o.algorithms = o.algorithms != null ? o.algorithms : List.of();
        o.audience = o.audience != null ? o.audience : List.of();
        o.claims = o.claims != null ? o.claims : List.of();
        o.requiredClaims = o.requiredClaims != null ? o.requiredClaims : Map.of();
        try {
            if (!KINDS.contains(o.kind)) {
                throw new AuthConfigException(
                        "auth.kind",
                        "must be none, basic, bearer or jwt, got " + (o.kind == null ? "null" : "\"" + o.kind + "\""));
            }
            checkAttributesBelongToKind(o);
            if (o.kind.equals("none")) {
                return null;
            }
            String realm = o.realm != null ? o.realm : context.functionName();
            checkCommon(o, realm);
            HttpAuth auth = switch (o.kind) {
                case "basic" -> basic(context, o, realm);
                case "bearer" -> bearer(context, o, realm);
                default -> jwt(context, o, realm);
            };
            LOG.atInfo()
                    .addKeyValue("trigger", context.name())
                    .addKeyValue("kind", o.kind)
                    .addKeyValue("realm", realm)
                    .addKeyValue("loaded", auth.current.describe())
                    .addKeyValue("exemptPaths", auth.exempt)
                    .addKeyValue("forwardCredentials", o.forwardCredentials)
                    .log("http auth on");
            if (o.kind.equals("jwt") && o.audience.isEmpty()) {
                LOG.atWarn()
                        .addKeyValue("trigger", context.name())
                        .log(
                                "auth.audience is not set: any token these keys "
                                        + "verify is accepted, whatever service it was issued for; set auth.audience to this function's audience");
            }
            return auth;
        } catch (AuthConfigException e) {
            throw context.attributeError(e.attribute(), e.getMessage());
        }
    }

    private static AuthRefusals refusals(
            TriggerContext context, String scheme, String realm, Set<String> requiredClaims) {
        Tags tags = Tags.of("function", context.functionName(), "trigger", context.name(), "kind", context.kind());
        return new AuthRefusals(scheme, realm, requiredClaims, context.meterRegistry(), tags);
    }

    private static HttpAuth basic(TriggerContext context, HttpAuthOptions o, String realm) throws AuthConfigException {
        boolean pair = o.userFile != null || o.passwordFile != null;
        boolean env = o.userEnv != null || o.passwordEnv != null;
        if (o.credentialsFile == null && !pair && !env) {
            throw new AuthConfigException(
                    "auth",
                    "kind basic needs credentialsFile, or userFile and passwordFile, " + "or userEnv and passwordEnv");
        }
        if (pair && (o.userFile == null || o.passwordFile == null)) {
            throw new AuthConfigException(
                    o.userFile == null ? "auth.userFile" : "auth.passwordFile",
                    "is required with " + (o.userFile == null ? "auth.passwordFile" : "auth.userFile"));
        }
        if (env && (o.userEnv == null || o.passwordEnv == null)) {
            throw new AuthConfigException(
                    o.userEnv == null ? "auth.userEnv" : "auth.passwordEnv",
                    "is required with " + (o.userEnv == null ? "auth.passwordEnv" : "auth.userEnv"));
        }
        AuthRefusals refusals = refusals(context, BasicAuthenticator.SCHEME, realm, Set.of());
        return new HttpAuth(
                context, o, realm, BasicAuthenticator.files(o), notes -> BasicAuthenticator.load(o, refusals));
    }

    private static HttpAuth bearer(TriggerContext context, HttpAuthOptions o, String realm) throws AuthConfigException {
        if (o.tokensFile == null) {
            throw new AuthConfigException(
                    "auth.tokensFile", "is required for kind bearer (a file of tokens, one a line)");
        }
        AuthRefusals refusals = refusals(context, BearerAuthenticator.SCHEME, realm, Set.of());
        return new HttpAuth(
                context, o, realm, BearerAuthenticator.files(o), notes -> BearerAuthenticator.load(o, refusals));
    }

    private static HttpAuth jwt(TriggerContext context, HttpAuthOptions o, String realm) throws AuthConfigException {
        if (o.secretFile == null && o.publicKeyFile == null && o.jwksFile == null) {
            throw new AuthConfigException(
                    "auth", "kind jwt needs secretFile (HS256), publicKeyFile (RS256, ES256) or jwksFile");
        }
        Set<JWSAlgorithm> listed = new LinkedHashSet<>();
        for (int i = 0; i < o.algorithms.size(); i++) {
            String name = o.algorithms.get(i);
            JWSAlgorithm alg = JwtKeys.SUPPORTED.stream()
                    .filter(a -> a.getName().equals(name))
                    .findFirst()
                    .orElse(null);
            if (alg == null) {
                throw new AuthConfigException(
                        "auth.algorithms[" + i + "]", "must be one of HS256, RS256, ES256, got \"" + name + "\"");
            }
            listed.add(alg);
        }
        if (o.clockSkew == null || o.clockSkew.isNegative() || o.clockSkew.toMillis() > MAX_CLOCK_SKEW_MILLIS) {
            throw new AuthConfigException("auth.clockSkew", "must be from 0s to 5m, got " + o.clockSkew);
        }
        if (o.issuer != null && o.issuer.isBlank()) {
            throw new AuthConfigException("auth.issuer", "must not be empty (leave it out to accept any issuer)");
        }
        for (int i = 0; i < o.audience.size(); i++) {
            if (o.audience.get(i) == null || o.audience.get(i).isBlank()) {
                throw new AuthConfigException("auth.audience[" + i + "]", "must not be empty");
            }
        }
        if (o.subjectClaim == null || o.subjectClaim.isBlank()) {
            throw new AuthConfigException("auth.subjectClaim", "must be a claim name, e.g. sub");
        }
        for (int i = 0; i < o.claims.size(); i++) {
            if (!isPlainName(o.claims.get(i))) {
                throw new AuthConfigException(
                        "auth.claims[" + i + "]",
                        "must be a claim name without quotes, backslashes " + "or control characters");
            }
        }
        Map<String, Set<String>> required = requiredClaims(o.requiredClaims);
        if (o.cacheSize < 0 || o.cacheSize > MAX_CACHE_SIZE) {
            throw new AuthConfigException(
                    "auth.cacheSize", "must be from 0 (off) to " + MAX_CACHE_SIZE + ", got " + o.cacheSize);
        }
        AuthRefusals refusals = refusals(context, BearerAuthenticator.SCHEME, realm, required.keySet());
        VerifiedTokenCache cache = o.cacheSize > 0 ? new VerifiedTokenCache(o.cacheSize) : null;
        return new HttpAuth(context, o, realm, JwtKeys.files(o), notes -> {
            List<JwtKeys.JwtKey> keys = new ArrayList<>(JwtKeys.load(o, notes));
            Set<JWSAlgorithm> accepted = new LinkedHashSet<>(listed);
            if (listed.isEmpty()) {
                keys.forEach(k -> accepted.add(k.algorithm()));
            } else {
                for (JWSAlgorithm a : listed) {
                    if (keys.stream().noneMatch(k -> k.algorithm().equals(a))) {
                        throw new AuthConfigException(
                                "auth.algorithms",
                                "lists " + a.getName() + ", but no configured key is for it ("
                                        + (a.equals(JWSAlgorithm.HS256)
                                                ? "an HMAC secret"
                                                : a.equals(JWSAlgorithm.RS256) ? "an RSA key" : "an EC P-256 key")
                                        + ")");
                    }
                }
                int before = keys.size();
                keys.removeIf(k -> !accepted.contains(k.algorithm()));
                if (keys.size() < before) {
                    notes.add((before - keys.size()) + " key(s) left out: their algorithm is not in auth.algorithms");
                }
            }
            if (keys.isEmpty()) {
                throw new AuthConfigException("auth", "kind jwt has no usable key in its files");
            }
            return new JwtAuthenticator(keys, accepted, o, required, refusals, cache);
        });
    }

    private static Map<String, Set<String>> requiredClaims(Map<String, Object> given) throws AuthConfigException {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : given.entrySet()) {
            String path = "auth.requiredClaims." + e.getKey();
            // the name is quoted in the 403's WWW-Authenticate header: printable ASCII only
            if (!isPlainName(e.getKey()) || e.getKey().chars().anyMatch(c -> c > 0x7e)) {
                throw new AuthConfigException(
                        path, "the claim name must be printable ASCII without quotes or backslashes");
            }
            Set<String> values = new LinkedHashSet<>();
            if (e.getValue() instanceof List<?> list) {
                for (Object v : list) {
                    if (!isScalar(v)) {
                        throw new AuthConfigException(
                                path, "must be a value or a list of values (strings, numbers or booleans)");
                    }
                    values.add(String.valueOf(v));
                }
            } else if (isScalar(e.getValue())) {
                values.add(String.valueOf(e.getValue()));
            } else {
                throw new AuthConfigException(
                        path, "must be a value or a list of values (strings, numbers or booleans)");
            }
            if (values.isEmpty()) {
                throw new AuthConfigException(path, "must name at least one value");
            }
            out.put(e.getKey(), Set.copyOf(values));
        }
        return Map.copyOf(out);
    }

    private static boolean isScalar(Object v) {
        return v instanceof String || v instanceof Number || v instanceof Boolean;
    }

    private static boolean isPlainName(String s) {
        return s != null && !s.isBlank() && s.chars().noneMatch(c -> c < 0x20 || c == 0x7f || c == '"' || c == '\\');
    }

    private static void checkCommon(HttpAuthOptions o, String realm) throws AuthConfigException {
        if (realm.isEmpty()
                || realm.length() > 128
                || realm.chars().anyMatch(c -> c < 0x20 || c > 0x7e || c == '"' || c == '\\')) {
            throw new AuthConfigException("auth.realm", "must be 1 to 128 printable ASCII characters without \" or \\");
        }
        for (int i = 0; i < o.exemptPaths.size(); i++) {
            String problem = ExemptPaths.problem(o.exemptPaths.get(i));
            if (problem != null) {
                throw new AuthConfigException("auth.exemptPaths[" + i + "]", problem);
            }
        }
        Duration r = o.reloadInterval;
        if (r == null || r.isNegative() || (!r.isZero() && r.toMillis() < 1000)) {
            throw new AuthConfigException("auth.reloadInterval", "must be 0s (no reloading) or at least 1s, got " + r);
        }
    }

    /**
     * An attribute of one kind given with another kind is an error: a typo in {@code kind} must not
     * leave a function open, nor a forgotten attribute look as if it applied.
     */
    private static void checkAttributesBelongToKind(HttpAuthOptions o) throws AuthConfigException {
        HttpAuthOptions d = new HttpAuthOptions();
        Map<String, String> given = new LinkedHashMap<>(); // attribute → the kind it belongs to ("" for any)
        put(given, o.realm != null, "realm", "");
        put(given, !o.exemptPaths.isEmpty(), "exemptPaths", "");
        put(given, o.forwardCredentials != d.forwardCredentials, "forwardCredentials", "");
        put(given, !java.util.Objects.equals(o.reloadInterval, d.reloadInterval), "reloadInterval", "");
        put(given, o.credentialsFile != null, "credentialsFile", "basic");
        put(given, o.userFile != null, "userFile", "basic");
        put(given, o.passwordFile != null, "passwordFile", "basic");
        put(given, o.userEnv != null, "userEnv", "basic");
        put(given, o.passwordEnv != null, "passwordEnv", "basic");
        put(given, o.tokensFile != null, "tokensFile", "bearer");
        put(given, !o.algorithms.isEmpty(), "algorithms", "jwt");
        put(given, o.secretFile != null, "secretFile", "jwt");
        put(given, o.publicKeyFile != null, "publicKeyFile", "jwt");
        put(given, o.jwksFile != null, "jwksFile", "jwt");
        put(given, o.issuer != null, "issuer", "jwt");
        put(given, !o.audience.isEmpty(), "audience", "jwt");
        put(given, !java.util.Objects.equals(o.clockSkew, d.clockSkew), "clockSkew", "jwt");
        put(given, o.requireExpiry != d.requireExpiry, "requireExpiry", "jwt");
        put(given, !java.util.Objects.equals(o.subjectClaim, d.subjectClaim), "subjectClaim", "jwt");
        put(given, !o.claims.isEmpty(), "claims", "jwt");
        put(given, !o.requiredClaims.isEmpty(), "requiredClaims", "jwt");
        put(given, o.cacheSize != d.cacheSize, "cacheSize", "jwt");
        for (Map.Entry<String, String> e : given.entrySet()) {
            if (o.kind.equals("none")) {
                throw new AuthConfigException(
                        "auth.kind",
                        "is none (every caller is let in), but auth." + e.getKey()
                                + " is set: set auth.kind to basic, bearer or jwt");
            }
            if (!e.getValue().isEmpty() && !e.getValue().equals(o.kind)) {
                throw new AuthConfigException(
                        "auth." + e.getKey(), "is for kind " + e.getValue() + ", but auth.kind is " + o.kind);
            }
        }
    }

    private static void put(Map<String, String> given, boolean isSet, String attribute, String kind) {
        if (isSet) {
            given.put(attribute, kind);
        }
    }

    /**
     * Whether the request whose head is {@code request} may go on, and as whom. Event loop; never
     * blocks. Counts a refusal in {@code nucleon_http_auth_failures_total}. Unless
     * {@code forwardCredentials} is on, removes the {@code Authorization} header from a request it
     * lets through, so the handler (and the async journal) never sees it.
     */
    public AuthVerdict check(HttpRequest request) {
        HttpHeaders headers = request.headers();
        AuthVerdict verdict;
        if (exempt.matches(request.uri())) {
            verdict = AuthIdentity.NONE;
        } else {
            verdict = current.authenticate(headers.get(HttpHeaderNames.AUTHORIZATION));
            if (verdict instanceof AuthRefusal refusal) {
                refusal.count();
                if (LOG.isDebugEnabled()) {
                    String uri = request.uri();
                    int q = uri.indexOf('?');
                    LOG.atDebug()
                            .addKeyValue("trigger", triggerName)
                            .addKeyValue("reason", refusal.failure().tag())
                            .addKeyValue("method", request.method().name())
                            .addKeyValue("path", q < 0 ? uri : uri.substring(0, q))
                            .log("request refused by auth");
                }
                return refusal;
            }
        }
        if (!forwardCredentials) {
            headers.remove(HttpHeaderNames.AUTHORIZATION);
        }
        return verdict;
    }

    /** Starts watching the files for changes (when there are files and {@code reloadInterval} is not 0). */
    public synchronized void start() {
        if (reloader != null || reloadInterval.isZero() || files.isEmpty()) {
            return;
        }
        reloader = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("nucleon-http-auth-" + triggerName, true));
        long millis = reloadInterval.toMillis();
        reloader.scheduleWithFixedDelay(this::reloadIfChanged, millis, millis, TimeUnit.MILLISECONDS);
    }

    private List<Object> stamps() {
        List<Object> s = new ArrayList<>(files.size());
        for (SecretFile f : files) {
            s.add(f.stamp());
        }
        return s;
    }

    /** Reloader thread: loads the files again if one of them changed since the last try. */
    private void reloadIfChanged() {
        try {
            List<Object> now = stamps();
            if (now.equals(stamps)) {
                return;
            }
            stamps = now;
            List<String> notes = new ArrayList<>();
            Authenticator loaded = loader.load(notes);
            current = loaded;
            lastReloadProblem = null;
            reloaded.increment();
            notes.forEach(n -> LOG.atInfo().addKeyValue("trigger", triggerName).log("auth: " + n));
            LOG.atInfo()
                    .addKeyValue("trigger", triggerName)
                    .addKeyValue("loaded", loaded.describe())
                    .log("auth files reloaded");
        } catch (AuthConfigException e) {
            reloadFailed.increment();
            lastReloadProblem = e.attribute() + ": " + e.getMessage();
            LOG.atWarn()
                    .addKeyValue("trigger", triggerName)
                    .log("auth files changed but cannot be used, the previous " + "credentials stay in force: "
                            + lastReloadProblem);
        } catch (RuntimeException e) {
            reloadFailed.increment();
            lastReloadProblem = "unexpected " + e.getClass().getName();
            LOG.atWarn()
                    .addKeyValue("trigger", triggerName)
                    .log("auth files changed but could not be reloaded ("
                            + e.getClass().getName() + "); the previous credentials stay in force");
        }
    }

    /** What {@code /status} shows of the auth: kind, realm, what is loaded, exemptions and reloads; no secret. */
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.put("realm", realm);
        m.put("loaded", current.describe());
        m.put("exemptPaths", exempt.toString());
        m.put("reloads", (long) reloaded.count());
        m.put("failedReloads", (long) reloadFailed.count());
        String problem = lastReloadProblem;
        if (problem != null) {
            m.put("lastReloadProblem", problem);
        }
        return m;
    }

    /** Stops watching the files. */
    @Override
    public synchronized void close() {
        if (reloader != null) {
            reloader.shutdownNow();
            reloader = null;
        }
    }
}
