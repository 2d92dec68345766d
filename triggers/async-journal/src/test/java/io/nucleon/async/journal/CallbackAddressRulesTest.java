package io.nucleon.async.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The address rules of callbacks: the allow-list's entries, URL hosts in every spelling, the default refusals. */
class CallbackAddressRulesTest {

    private static final CallbackAddressRules DEFAULTS = CallbackAddressRules.of(List.of(), Set::of);

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s); // literals only: no lookup
    }

    private static CallbackFailure atAccept(CallbackAddressRules rules, String url) {
        return rules.checkUrl(CallbackAddressRules.parse(url));
    }

    private static CallbackFailure at(CallbackAddressRules rules, String url, String address) throws Exception {
        return rules.check(CallbackAddressRules.parse(url), ip(address));
    }

    @Test
    void everySpellingOfAnIpv4AddressIsThatAddress() {
        for (String host : List.of(
                "127.0.0.1",
                "2130706433",
                "0x7f000001",
                "017700000001",
                "127.1",
                "0x7f.1",
                "0177.0.0.1",
                "127.0.0.1.",
                "0x7F.0.0.01")) {
            CallbackAddressRules.Target t = CallbackAddressRules.parse("http://" + host + ":8080/hook");
            assertEquals("127.0.0.1", t.literal() == null ? null : t.literal().getHostAddress(), host);
            assertNull(t.name(), host);
            assertEquals(CallbackFailure.REFUSED_LOOPBACK, DEFAULTS.checkUrl(t), host);
        }
        assertEquals(CallbackFailure.REFUSED_LOOPBACK, atAccept(DEFAULTS, "http://[::ffff:127.0.0.1]/"));
        assertEquals(CallbackFailure.REFUSED_LOOPBACK, atAccept(DEFAULTS, "http://[::ffff:7f00:1]/"));
        assertEquals(CallbackFailure.REFUSED_LOOPBACK, atAccept(DEFAULTS, "http://[::1]/"));
        assertEquals(CallbackFailure.REFUSED_LOOPBACK, atAccept(DEFAULTS, "http://[::127.0.0.1]/"));
        assertEquals(CallbackFailure.REFUSED_LOOPBACK, atAccept(DEFAULTS, "http://[64:ff9b::7f00:1]/"), "NAT64");
        assertEquals(
                CallbackFailure.REFUSED_PRIVATE, atAccept(DEFAULTS, "http://[2002:a00:1::1]/"), "6to4 of 10.0.0.1");
        assertEquals(CallbackFailure.REFUSED_LINK_LOCAL, atAccept(DEFAULTS, "http://169.254.169.254/latest/meta-data"));
        assertEquals(CallbackFailure.REFUSED_LINK_LOCAL, atAccept(DEFAULTS, "http://0xa9fea9fe/"));
    }

    @Test
    void badHostsAndUrlsAreRefusedWithWhatIsWrong() {
        for (String url : List.of(
                "ftp://example.com/",
                "/relative",
                "http:///nohost",
                "http://user:pw@example.com/",
                "http://example.com:0/",
                "http://example.com:70000/",
                "http://256.1.1.1/",
                "http://1.2.3.4.5/",
                "http://0x1ffffffff/",
                "http://example.com:/",
                "not a url")) {
            if (url.equals("http://example.com:/")) {
                assertEquals(80, CallbackAddressRules.parse(url).port()); // an empty port is the default one
                continue;
            }
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> CallbackAddressRules.parse(url), url);
            assertFalse(e.getMessage().isBlank(), url);
        }
        assertTrue(
                assertThrows(IllegalArgumentException.class, () -> CallbackAddressRules.parse("http://u@example.com/"))
                        .getMessage()
                        .contains("user information"));
    }

    @Test
    void aUrlKeepsItsHostForTheHeaderAndTlsAndItsPathAndQuery() {
        CallbackAddressRules.Target t =
                CallbackAddressRules.parse("HTTPS://Hooks.Example.COM./cb/x%20y?token=s3cret&a=1");
        assertTrue(t.https());
        assertEquals("hooks.example.com", t.name());
        assertEquals(443, t.port());
        assertEquals("Hooks.Example.COM.", t.hostHeader());
        assertEquals("/cb/x%20y?token=s3cret&a=1", t.target());
        assertEquals("https://hooks.example.com:443", t.where(), "the log names no path nor query (tokens)");
        assertEquals("/", CallbackAddressRules.parse("http://example.com").target());
    }

    @Test
    void theDefaultsRefuseEveryNonPublicBlock() throws Exception {
        String[][] cases = {
            {"10.1.2.3", "REFUSED_PRIVATE"},
            {"172.16.0.1", "REFUSED_PRIVATE"},
            {"172.31.255.255", "REFUSED_PRIVATE"},
            {"192.168.1.1", "REFUSED_PRIVATE"},
            {"100.64.0.1", "REFUSED_PRIVATE"},
            {"fd00::1", "REFUSED_PRIVATE"},
            {"fc00::1", "REFUSED_PRIVATE"},
            {"fec0::1", "REFUSED_PRIVATE"},
            {"127.0.0.1", "REFUSED_LOOPBACK"},
            {"127.255.0.9", "REFUSED_LOOPBACK"},
            {"::1", "REFUSED_LOOPBACK"},
            {"169.254.0.1", "REFUSED_LINK_LOCAL"},
            {"fe80::1", "REFUSED_LINK_LOCAL"},
            {"224.0.0.1", "REFUSED_MULTICAST"},
            {"239.255.255.250", "REFUSED_MULTICAST"},
            {"ff02::1", "REFUSED_MULTICAST"},
            {"0.0.0.0", "REFUSED_UNSPECIFIED"},
            {"0.1.2.3", "REFUSED_UNSPECIFIED"},
            {"::", "REFUSED_UNSPECIFIED"},
            {"255.255.255.255", "REFUSED_RESERVED"},
            {"240.0.0.1", "REFUSED_RESERVED"},
            {"192.0.2.1", "REFUSED_RESERVED"},
            {"198.18.0.1", "REFUSED_RESERVED"},
            {"203.0.113.9", "REFUSED_RESERVED"},
            {"2001:db8::1", "REFUSED_RESERVED"},
            {"4000::1", "REFUSED_RESERVED"},
            {"2001:0:4136:e378:8000:63bf:80ff:fffe", "REFUSED_LOOPBACK"}, // Teredo: client 127.0.0.1, bits flipped
            {"8.8.8.8", "NONE"},
            {"172.32.0.1", "NONE"},
            {"100.128.0.1", "NONE"},
            {"2606:4700::1111", "NONE"},
            {"::ffff:8.8.8.8", "NONE"},
            {"64:ff9b::808:808", "NONE"},
        };
        for (String[] c : cases) {
            assertEquals(CallbackFailure.valueOf(c[1]), at(DEFAULTS, "http://hooks.example.com/", c[0]), c[0]);
        }
        assertEquals(
                CallbackFailure.NONE,
                atAccept(DEFAULTS, "http://hooks.example.com/"),
                "a name is judged by its addresses");
    }

    @Test
    void anAllowListAdmitsOnlyWhatItLists() throws Exception {
        CallbackAddressRules rules = CallbackAddressRules.of(
                List.of(
                        "hooks.example.com",
                        ".partner.example",
                        "10.1.0.0/16",
                        "203.0.113.7",
                        "FD12:3456::/32",
                        "Mixed.Case.Example."),
                Set::of);
        assertTrue(rules.restricted());
        // names: exact, suffix (not the bare domain), case and trailing dots ignored
        assertEquals(CallbackFailure.NONE, at(rules, "http://hooks.example.com/", "8.8.8.8"));
        assertEquals(CallbackFailure.NONE, at(rules, "http://HOOKS.example.com./", "8.8.8.8"));
        assertEquals(CallbackFailure.NONE, at(rules, "http://a.b.partner.example/", "8.8.8.8"));
        assertEquals(CallbackFailure.NONE, at(rules, "http://mixed.case.example/", "8.8.8.8"));
        assertEquals(CallbackFailure.REFUSED_NOT_ALLOWED, at(rules, "http://partner.example/", "8.8.8.8"));
        assertEquals(CallbackFailure.REFUSED_NOT_ALLOWED, at(rules, "http://evilpartner.example/", "8.8.8.8"));
        assertEquals(CallbackFailure.REFUSED_NOT_ALLOWED, at(rules, "http://other.example.com/", "8.8.8.8"));
        // a listed name does not admit a private address (DNS rebinding): only a listed block does
        assertEquals(CallbackFailure.REFUSED_LOOPBACK, at(rules, "http://hooks.example.com/", "127.0.0.1"));
        assertEquals(CallbackFailure.REFUSED_PRIVATE, at(rules, "http://hooks.example.com/", "10.2.0.1"));
        assertEquals(CallbackFailure.NONE, at(rules, "http://hooks.example.com/", "10.1.200.3"));
        assertEquals(
                CallbackFailure.NONE,
                at(rules, "http://anything.internal/", "10.1.0.9"),
                "an address in a listed block");
        assertEquals(CallbackFailure.NONE, at(rules, "http://anything.internal/", "::ffff:10.1.0.9"));
        assertEquals(CallbackFailure.NONE, at(rules, "http://anything.internal/", "fd12:3456:1::5"));
        assertEquals(CallbackFailure.REFUSED_NOT_ALLOWED, at(rules, "http://anything.internal/", "8.8.8.8"));
        // literals at accept time
        assertEquals(CallbackFailure.NONE, atAccept(rules, "http://203.0.113.7/"));
        assertEquals(CallbackFailure.NONE, atAccept(rules, "http://10.1.2.3:9000/"));
        assertEquals(CallbackFailure.REFUSED_NOT_ALLOWED, atAccept(rules, "http://8.8.8.8/"));
        assertEquals(CallbackFailure.REFUSED_NOT_ALLOWED, atAccept(rules, "http://203.0.113.8/"));
        // a name: judged when its addresses are known (the list has blocks any name could resolve into)
        assertEquals(CallbackFailure.NONE, atAccept(rules, "http://unknown.example.org/"));

        CallbackAddressRules namesOnly = CallbackAddressRules.of(List.of("hooks.example.com"), Set::of);
        assertEquals(
                CallbackFailure.REFUSED_NOT_ALLOWED,
                atAccept(namesOnly, "http://unknown.example.org/"),
                "without blocks, an unlisted name is refused at once");
        assertEquals(CallbackFailure.NONE, atAccept(namesOnly, "http://hooks.example.com/"));

        CallbackAddressRules loopback = CallbackAddressRules.of(List.of("127.0.0.1"), Set::of);
        assertEquals(CallbackFailure.NONE, atAccept(loopback, "http://127.0.0.1:9999/"));
        assertEquals(CallbackFailure.NONE, atAccept(loopback, "http://2130706433:9999/"));
        assertEquals(CallbackFailure.REFUSED_NOT_ALLOWED, atAccept(loopback, "http://127.0.0.2:9999/"));
        assertEquals(CallbackFailure.NONE, at(loopback, "http://localhost:9999/", "127.0.0.1"));
        assertEquals(CallbackFailure.REFUSED_NOT_ALLOWED, at(loopback, "http://localhost:9999/", "::1"));
    }

    @Test
    void badEntriesNameTheirPositionAndWhatIsAllowed() {
        String[][] cases = {
            {"*.example.com", ".example.com"}, {"10.1.2.3/16", "10.1.0.0/16"}, {"10.0.0.0/33", "from 0 to 32"},
            {"fd00::/129", "from 0 to 128"}, {"example.com:8080", "ports"}, {"bad host!", "not a host name"},
            {"", "empty"}, {"127.1", "a.b.c.d"}, {"nothere/8", "IPv4 or IPv6"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> CallbackAddressRules.of(List.of("ok.example.com", c[0]), Set::of),
                    c[0]);
            assertTrue(e.getMessage().startsWith("[1]: "), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    @Test
    void theProcessorsOwnAddressesAreRefusedOnTheirPortsEvenWhenListed() throws Exception {
        Set<InetSocketAddress> own =
                Set.of(new InetSocketAddress("127.0.0.1", 8080), new InetSocketAddress("0.0.0.0", 8082));
        CallbackAddressRules rules = CallbackAddressRules.of(List.of("0.0.0.0/0", "::/0"), () -> own);
        assertEquals(
                CallbackFailure.REFUSED_PROCESSOR,
                atAccept(rules, "http://127.0.0.1:8080/async/dead-letters/replay-all"));
        assertEquals(CallbackFailure.REFUSED_PROCESSOR, atAccept(rules, "http://2130706433:8080/"));
        assertEquals(CallbackFailure.REFUSED_PROCESSOR, atAccept(rules, "http://[::ffff:127.0.0.1]:8080/"));
        assertEquals(
                CallbackFailure.REFUSED_PROCESSOR,
                atAccept(rules, "http://0.0.0.0:8080/"),
                "0.0.0.0 reaches this host");
        assertEquals(
                CallbackFailure.NONE, atAccept(rules, "http://127.0.0.1:8081/"), "another port is another receiver");
        // a wildcard bind: every local address on that port
        assertEquals(CallbackFailure.REFUSED_PROCESSOR, atAccept(rules, "http://127.0.0.1:8082/"));
        assertEquals(CallbackFailure.REFUSED_PROCESSOR, atAccept(rules, "http://127.9.9.9:8082/"));
        assertEquals(CallbackFailure.REFUSED_PROCESSOR, atAccept(rules, "http://[::1]:8082/"));
        for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
            for (InetAddress a : ni.inetAddresses().toList()) {
                if (!a.isLinkLocalAddress()) {
                    assertEquals(
                            CallbackFailure.REFUSED_PROCESSOR,
                            rules.check(CallbackAddressRules.parse("http://me.example:8082/"), a),
                            a.toString());
                }
            }
        }
        assertEquals(CallbackFailure.NONE, at(rules, "http://me.example:8082/", "8.8.8.8"));
        assertEquals(
                CallbackFailure.REFUSED_PROCESSOR, at(rules, "http://localhost:8080/", "127.0.0.1"), "also by name");
    }
}
