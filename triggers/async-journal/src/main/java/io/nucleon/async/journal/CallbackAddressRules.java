package io.nucleon.async.journal;

import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Where callbacks may go: the {@code callbackAllowedHosts} list and the address rules behind it,
 * checked on the URL when a call is accepted and on every resolved address before the callback
 * client connects to it (so a name that resolves elsewhere later, DNS rebinding, is caught too).
 *
 * <p>Entries of {@code callbackAllowedHosts} (case-insensitive; a trailing dot is ignored):
 * <ul>
 *   <li>{@code hooks.example.com}: that host name exactly;</li>
 *   <li>{@code .example.com}: every name under {@code example.com} (not {@code example.com} itself:
 *       list it too if wanted);</li>
 *   <li>{@code 10.1.0.0/16}, {@code fd12:3456::/32}: every address in that block (host bits must be
 *       zero); {@code 203.0.113.7} or {@code 2001:db8::7} alone: that address.</li>
 * </ul>
 *
 * <p>A callback's destination (its host, and the address it connects to) is allowed when:
 * <ol>
 *   <li>it is not one of the processor's own listening addresses on that port
 *       ({@link io.nucleon.spi.TriggerContext#processorAddresses()}; a wildcard bind stands for every
 *       local address): refused even when listed;</li>
 *   <li>and either the address is inside a listed address block (which admits loopback, private …
 *       addresses on purpose), or: the list is empty or the host name is listed (by name or suffix),
 *       and the address is none of loopback, link-local, private (RFC 1918, 100.64/10, ULA, site-local),
 *       multicast, unspecified, or reserved (documentation, benchmarking, 240/4, IPv6 outside
 *       2000::/3). A listed <em>name</em> does not admit a private <em>address</em>: a name that should
 *       reach an internal receiver needs its address block listed too.</li>
 * </ol>
 * IPv6 forms that carry an IPv4 address (IPv4-mapped and -compatible, NAT64 {@code 64:ff9b::/96},
 * 6to4 {@code 2002::/16}, Teredo) are judged by that IPv4 address too. A URL host is read the way
 * browsers read it: {@code 2130706433}, {@code 0x7f.1}, {@code 017700000001} and {@code 127.1} are
 * all {@code 127.0.0.1}, and the client connects to that very address (such a host is never sent
 * to DNS), so no spelling gets round the rules.
 *
 * <p>Thread-safe; {@link #check} does not block (the local interface addresses, needed only for a
 * wildcard bind on the callback's port, are listed at most every {@value #LOCAL_REFRESH_SECONDS} s).
 */
final class CallbackAddressRules {
    private static final int LOCAL_REFRESH_SECONDS = 10;
    private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");
    /** An authority that is only a numeric host and a port: digits, hex, dots (read as an IPv4 address). */
    private static final Pattern NUMERIC_AUTHORITY = Pattern.compile("([0-9a-fA-FxX.]+)(:([0-9]*))?");

    /**
     * A callback URL, parsed once and checked: the host as written (for {@code Host}, SNI and
     * certificate checks) and, for a literal, the address it stands for.
     *
     * @param https      whether TLS is used
     * @param name       the host name, lower case without a trailing dot; null for a literal
     * @param literal    the address a literal host stands for; null for a name
     * @param port       the port (80/443 when the URL gives none)
     * @param hostHeader the {@code Host} header: the URL's authority
     * @param sniHost    the host for SNI and the certificate check (the name, or the literal's text)
     * @param target     path and query as written (at least {@code /})
     * @param hostKey    what the per-host limit counts by: scheme, host and port
     */
    record Target(
            boolean https,
            String name,
            InetAddress literal,
            int port,
            String hostHeader,
            String sniHost,
            String target,
            String hostKey) {

        /** Where the log may say a callback went: scheme, host and port (never the path or query, which may hold a token). */
        String where() {
            return hostKey;
        }
    }

    private record Block(byte[] network, int prefix) {
        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (b[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (b[full] & mask) == (network[full] & mask);
        }
    }

    private final Set<String> hosts;
    private final List<String> suffixes;
    private final List<Block> blocks;
    private final boolean restricted;
    private final Supplier<Set<InetSocketAddress>> processorAddresses;
    private volatile Set<InetAddress> localAddresses = Set.of();
    private volatile long localListedAt = Long.MIN_VALUE;

    private CallbackAddressRules(
            Set<String> hosts,
            List<String> suffixes,
            List<Block> blocks,
            Supplier<Set<InetSocketAddress>> processorAddresses) {
        this.hosts = Set.copyOf(hosts);
        this.suffixes = List.copyOf(suffixes);
        this.blocks = List.copyOf(blocks);
        this.restricted = !hosts.isEmpty() || !suffixes.isEmpty() || !blocks.isEmpty();
        this.processorAddresses = processorAddresses;
    }

    /**
     * The rules for {@code allowed} (the {@code callbackAllowedHosts} entries; null or empty: the
     * default rules alone).
     *
     * @throws IllegalArgumentException naming the entry (by its position) and what is allowed
     */
    static CallbackAddressRules of(List<String> allowed, Supplier<Set<InetSocketAddress>> processorAddresses) {
        Set<String> hosts = new HashSet<>();
        List<String> suffixes = new ArrayList<>();
        List<Block> blocks = new ArrayList<>();
        if (allowed != null) {
            for (int i = 0; i < allowed.size(); i++) {
                String e = allowed.get(i);
                try {
                    parseEntry(e, hosts, suffixes, blocks);
                } catch (IllegalArgumentException bad) {
                    throw new IllegalArgumentException("[" + i + "]: " + bad.getMessage()
                            + " (an entry is a host name such as hooks.example.com, a domain suffix such as .example.com,"
                            + " an address, or an address block such as 10.1.0.0/16 or fd00::/8)");
                }
            }
        }
        return new CallbackAddressRules(hosts, suffixes, blocks, processorAddresses);
    }

    private static void parseEntry(String raw, Set<String> hosts, List<String> suffixes, List<Block> blocks) {
        if (raw == null || raw.isBlank()) {
            throw new IllegalArgumentException("an entry is empty");
        }
        String e = raw.trim().toLowerCase(Locale.ROOT);
        int slash = e.indexOf('/');
        if (slash >= 0) {
            InetAddress a = literalAddress(e.substring(0, slash));
            if (a == null) {
                throw new IllegalArgumentException("'" + raw + "': the part before / must be an IPv4 or IPv6 address");
            }
            int bits = a.getAddress().length * 8;
            int prefix;
            try {
                prefix = Integer.parseInt(e.substring(slash + 1));
            } catch (NumberFormatException nf) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("'" + raw + "': the prefix length must be from 0 to " + bits);
            }
            Block b = new Block(a.getAddress(), prefix);
            Block clean = new Block(masked(a.getAddress(), prefix), prefix);
            if (!java.util.Arrays.equals(b.network(), clean.network())) {
                throw new IllegalArgumentException("'" + raw + "' has bits set beyond the prefix; did you mean "
                        + NetUtil.bytesToIpAddress(clean.network()) + "/" + prefix + "?");
            }
            blocks.add(clean);
            return;
        }
        InetAddress a = literalAddress(e);
        if (a != null) {
            blocks.add(new Block(a.getAddress(), a.getAddress().length * 8));
            return;
        }
        if (e.startsWith("*.")) {
            throw new IllegalArgumentException(
                    "'" + raw + "': write a domain suffix as ." + e.substring(2) + " (no *)");
        }
        if (e.indexOf(':') >= 0) {
            throw new IllegalArgumentException(
                    "'" + raw + "': ports are not part of an entry (every port of a listed host is allowed)");
        }
        boolean suffix = e.startsWith(".");
        String name = suffix ? e.substring(1) : e;
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (!validName(name)) {
            throw new IllegalArgumentException(
                    "'" + raw + "' is not a host name, domain suffix, address or address block");
        }
        if (numericHost(name)) {
            throw new IllegalArgumentException("'" + raw + "' reads as an IPv4 address; write it as a.b.c.d");
        }
        if (suffix) {
            suffixes.add("." + name);
        } else {
            hosts.add(name);
        }
    }

    private static boolean validName(String name) {
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    private static byte[] masked(byte[] a, int prefix) {
        byte[] m = a.clone();
        for (int i = 0; i < m.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            m[i] &= (byte) ((0xff << (8 - keep)) & 0xff);
        }
        return m;
    }

    /** An IPv4 (dotted quad) or IPv6 literal (brackets allowed), never looked up; null otherwise. */
    private static InetAddress literalAddress(String s) {
        String t = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        if (!NetUtil.isValidIpV4Address(t) && !NetUtil.isValidIpV6Address(t)) {
            return null;
        }
        return NetUtil.createInetAddressFromIpAddressString(t);
    }

    /** Whether a list is configured (then only listed destinations are allowed). */
    boolean restricted() {
        return restricted;
    }

    // ------------------------------------------------------------------------------------ URLs

    /**
     * Parses a callback URL.
     *
     * @throws IllegalArgumentException with what is wrong (for a 400 to the caller)
     */
    static Target parse(String url) {
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("must be an absolute http or https URL");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("must be an absolute http or https URL");
        }
        if (u.getRawUserInfo() != null) {
            throw new IllegalArgumentException("must not carry user information (user@ or user:password@)");
        }
        String host = u.getHost();
        int givenPort = u.getPort();
        if ((host == null || host.isEmpty()) && u.getRawAuthority() != null) {
            // java.net.URI does not take 127.1 or 0x7f.1 as a host (a label starting with a digit): read
            // such an authority as browsers do, so that it is judged by the address it stands for
            java.util.regex.Matcher m = NUMERIC_AUTHORITY.matcher(u.getRawAuthority());
            if (m.matches() && numericHost(stripDot(m.group(1).toLowerCase(Locale.ROOT)))) {
                host = m.group(1);
                givenPort = m.group(3) == null || m.group(3).isEmpty() ? -1 : parsePort(m.group(3));
            }
        }
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("must name a host that is a DNS name or an IP address");
        }
        boolean https = scheme.equals("https");
        int port = givenPort == -1 ? (https ? 443 : 80) : givenPort;
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("has a port outside 1-65535");
        }
        InetAddress literal;
        String name = null;
        String sni;
        if (host.startsWith("[")) {
            literal = literalAddress(host);
            if (literal == null) {
                throw new IllegalArgumentException("has an IPv6 address that cannot be read");
            }
            sni = host.substring(1, host.length() - 1);
        } else {
            String h = stripDot(host.toLowerCase(Locale.ROOT));
            if (numericHost(h)) {
                literal = ipv4Number(h);
                if (literal == null) {
                    throw new IllegalArgumentException(
                            "has a host that reads as an IPv4 address but is not a valid one");
                }
                sni = h;
            } else {
                literal = null;
                name = h;
                sni = h;
            }
        }
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        String target = u.getRawQuery() == null ? path : path + "?" + u.getRawQuery();
        String key = scheme + "://" + (literal != null ? hostText(literal) : name) + ":" + port;
        return new Target(https, name, literal, port, u.getRawAuthority(), sni, target, key);
    }

    private static String stripDot(String h) {
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    private static int parsePort(String digits) {
        try {
            return digits.length() > 5 ? 0 : Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            return 0; // refused below as outside 1-65535
        }
    }

    private static String hostText(InetAddress a) {
        return a instanceof Inet6Address ? "[" + NetUtil.toAddressString(a) + "]" : NetUtil.toAddressString(a);
    }

    /**
     * Whether a host (no brackets, lower case, no trailing dot) is to be read as an IPv4 address: its
     * last label is all digits, or {@code 0x} and hex digits (the URL standard's "ends in a number").
     */
    static boolean numericHost(String h) {
        int dot = h.lastIndexOf('.');
        String last = h.substring(dot + 1);
        if (last.isEmpty()) {
            return false;
        }
        boolean hex = last.startsWith("0x");
        for (int i = hex ? 2 : 0; i < last.length(); i++) {
            char c = last.charAt(i);
            if (hex ? Character.digit(c, 16) < 0 : c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * The IPv4 address a numeric host stands for, with the forms {@code inet_aton} and browsers
     * accept: one to four parts, each decimal, octal (leading {@code 0}) or hex ({@code 0x}), the
     * last filling the bytes left ({@code 127.1}, {@code 2130706433}); null when it is not valid.
     */
    static InetAddress ipv4Number(String h) {
        String[] parts = h.split("\\.", -1);
        if (parts.length > 4) {
            return null;
        }
        long[] n = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            int radix = 10;
            if (p.startsWith("0x")) {
                radix = 16;
                p = p.substring(2);
            } else if (p.length() > 1 && p.startsWith("0")) {
                radix = 8;
                p = p.substring(1);
            } else if (p.isEmpty()) {
                return null;
            }
            if (p.isEmpty()) {
                n[i] = 0;
                continue;
            }
            if (p.length() > 12) {
                return null; // far beyond 2^32 in any radix
            }
            try {
                n[i] = Long.parseLong(p, radix);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        long value = 0;
        for (int i = 0; i < n.length - 1; i++) {
            if (n[i] > 255) {
                return null;
            }
            value |= n[i] << (8 * (3 - i));
        }
        long last = n[n.length - 1];
        if (last >= 1L << (8 * (5 - n.length))) {
            return null;
        }
        value |= last;
        byte[] b = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException impossible) {
            return null;
        }
    }

    // ------------------------------------------------------------------------------------ checks

    /**
     * The check made when a call is accepted: a literal host is judged fully; a name only by the
     * list (its addresses are judged when the callback connects). {@link CallbackFailure#NONE} when
     * allowed so far.
     */
    CallbackFailure checkUrl(Target t) {
        if (t.literal() != null) {
            return check(t, t.literal());
        }
        if (restricted && blocks.isEmpty() && !nameListed(t.name())) {
            return CallbackFailure.REFUSED_NOT_ALLOWED; // no address of this name could be allowed
        }
        return CallbackFailure.NONE;
    }

    /** Whether connecting to {@code address} for {@code t} is allowed; the rule that refuses it otherwise. */
    CallbackFailure check(Target t, InetAddress address) {
        InetAddress a = unmapped(address);
        if (ownAddress(a, t.port())) {
            return CallbackFailure.REFUSED_PROCESSOR;
        }
        for (Block b : blocks) {
            if (b.contains(a) || b.contains(address)) {
                return CallbackFailure.NONE;
            }
        }
        if (restricted && (t.name() == null || !nameListed(t.name()))) {
            return CallbackFailure.REFUSED_NOT_ALLOWED;
        }
        return category(a);
    }

    private boolean nameListed(String name) {
        if (name == null) {
            return false;
        }
        if (hosts.contains(name)) {
            return true;
        }
        for (String s : suffixes) {
            if (name.endsWith(s)) {
                return true;
            }
        }
        return false;
    }

    /** An IPv4-mapped IPv6 address as the IPv4 address it is; others unchanged. */
    private static InetAddress unmapped(InetAddress a) {
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = b[i] == 0;
            }
            if (mapped) {
                return v4(b, 12);
            }
        }
        return a;
    }

    private static InetAddress v4(byte[] b, int from) {
        try {
            return InetAddress.getByAddress(new byte[] {b[from], b[from + 1], b[from + 2], b[from + 3]});
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** The default rule {@code a} falls under, or {@link CallbackFailure#NONE} for a public address. */
    static CallbackFailure category(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return category4(b[0] & 0xff, b[1] & 0xff, b[2] & 0xff);
        }
        return category6(b);
    }

    private static CallbackFailure category4(int a, int b, int c) {
        if (a == 0) {
            return CallbackFailure.REFUSED_UNSPECIFIED; // "this network", 0.0.0.0/8
        }
        if (a == 127) {
            return CallbackFailure.REFUSED_LOOPBACK;
        }
        if (a == 10 || (a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168) || (a == 100 && (b & 0xc0) == 64)) {
            return CallbackFailure.REFUSED_PRIVATE; // RFC 1918 and the shared 100.64/10 (RFC 6598)
        }
        if (a == 169 && b == 254) {
            return CallbackFailure.REFUSED_LINK_LOCAL; // also the cloud metadata address 169.254.169.254
        }
        if (a >= 224 && a <= 239) {
            return CallbackFailure.REFUSED_MULTICAST;
        }
        if (a >= 240
                || (a == 192 && b == 0 && (c == 0 || c == 2))
                || (a == 198 && (b == 18 || b == 19))
                || (a == 198 && b == 51 && c == 100)
                || (a == 203 && b == 0 && c == 113)) {
            return CallbackFailure.REFUSED_RESERVED; // 240/4 and broadcast, IETF, documentation, benchmarking
        }
        return CallbackFailure.NONE;
    }

    private static CallbackFailure category6(byte[] b) {
        boolean first12Zero = true;
        for (int i = 0; i < 12; i++) {
            first12Zero &= b[i] == 0;
        }
        if (first12Zero) {
            int last = ((b[12] & 0xff) << 24) | ((b[13] & 0xff) << 16) | ((b[14] & 0xff) << 8) | (b[15] & 0xff);
            if (last == 0) {
                return CallbackFailure.REFUSED_UNSPECIFIED;
            }
            if (last == 1) {
                return CallbackFailure.REFUSED_LOOPBACK;
            }
            return worst(category(v4(b, 12)), CallbackFailure.REFUSED_RESERVED); // IPv4-compatible (deprecated)
        }
        int w0 = ((b[0] & 0xff) << 8) | (b[1] & 0xff);
        int w1 = ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        if (w0 == 0x0064 && w1 == 0xff9b) {
            boolean wellKnown = true;
            for (int i = 4; i < 12; i++) {
                wellKnown &= b[i] == 0;
            }
            if (wellKnown) {
                return category(v4(b, 12)); // NAT64 64:ff9b::/96 reaches the IPv4 address it carries
            }
            return CallbackFailure.REFUSED_PRIVATE; // 64:ff9b:1::/48, NAT64 for local use (RFC 8215)
        }
        if ((b[0] & 0xff) == 0xff) {
            return CallbackFailure.REFUSED_MULTICAST;
        }
        if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0x80) {
            return CallbackFailure.REFUSED_LINK_LOCAL; // fe80::/10
        }
        if ((b[0] & 0xfe) == 0xfc || ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0)) {
            return CallbackFailure.REFUSED_PRIVATE; // ULA fc00::/7, site-local fec0::/10
        }
        if (w0 == 0x2002) {
            return category(v4(b, 2)); // 6to4 carries an IPv4 address
        }
        if (w0 == 0x2001 && w1 == 0x0000) {
            // Teredo: the server's IPv4 address, and the client's with every bit flipped
            byte[] client = {(byte) ~b[12], (byte) ~b[13], (byte) ~b[14], (byte) ~b[15]};
            return worst(category(v4(b, 4)), category(v4(client, 0)));
        }
        if (w0 == 0x2001 && w1 == 0x0db8) {
            return CallbackFailure.REFUSED_RESERVED; // documentation
        }
        if ((b[0] & 0xe0) != 0x20) {
            return CallbackFailure.REFUSED_RESERVED; // outside 2000::/3, the only global unicast block
        }
        return CallbackFailure.NONE;
    }

    private static CallbackFailure worst(CallbackFailure a, CallbackFailure b) {
        return a != CallbackFailure.NONE ? a : b;
    }

    /** Whether a connection to {@code a}:{@code port} reaches one of this processor's listening sockets. */
    private boolean ownAddress(InetAddress a, int port) {
        Set<InetSocketAddress> own = processorAddresses.get();
        for (InetSocketAddress s : own) {
            if (s.getPort() != port || s.getAddress() == null) {
                continue;
            }
            InetAddress bound = unmapped(s.getAddress());
            if (bound.isAnyLocalAddress()) {
                if (a.isAnyLocalAddress()
                        || a.isLoopbackAddress()
                        || localAddresses().contains(a)) {
                    return true;
                }
            } else if (bound.equals(a)
                    || a.isAnyLocalAddress()
                    || (bound.isLoopbackAddress() && a.isLoopbackAddress())) {
                // connecting to 0.0.0.0 reaches this host; conservatively, any loopback address reaches a loopback bind
                return true;
            }
        }
        return false;
    }

    /** This host's interface addresses (IPv4-mapped ones as IPv4), listed again at most every 10 s. */
    private Set<InetAddress> localAddresses() {
        long now = System.nanoTime();
        if (now - localListedAt < TimeUnit.SECONDS.toNanos(LOCAL_REFRESH_SECONDS) && localListedAt != Long.MIN_VALUE) {
            return localAddresses;
        }
        Set<InetAddress> out = new HashSet<>();
        try {
            Enumeration<NetworkInterface> all = NetworkInterface.getNetworkInterfaces();
            while (all != null && all.hasMoreElements()) {
                Enumeration<InetAddress> as = all.nextElement().getInetAddresses();
                while (as.hasMoreElements()) {
                    InetAddress a = as.nextElement();
                    out.add(unmapped(a instanceof Inet6Address i6 && i6.getScopeId() != 0 ? withoutScope(i6) : a));
                }
            }
        } catch (SocketException e) {
            return localAddresses; // keep the last list: loopback and wildcard are caught without it
        }
        localAddresses = Set.copyOf(out);
        localListedAt = now;
        return localAddresses;
    }

    private static InetAddress withoutScope(Inet6Address a) {
        try {
            return InetAddress.getByAddress(a.getAddress());
        } catch (UnknownHostException impossible) {
            return a;
        }
    }

    /** For logs and tests: an address as text. */
    static String text(InetAddress a) {
        return a instanceof Inet4Address ? a.getHostAddress() : "[" + NetUtil.toAddressString(a) + "]";
    }
}
