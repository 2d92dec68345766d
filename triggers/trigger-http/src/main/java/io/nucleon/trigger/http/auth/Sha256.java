package io.nucleon.trigger.http.auth;

import io.netty.util.concurrent.FastThreadLocal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 with one {@link MessageDigest} per thread (an event loop hashes without allocating one). */
final class Sha256 {
    private static final FastThreadLocal<MessageDigest> DIGEST = new FastThreadLocal<>() {
        @Override
        protected MessageDigest initialValue() {
            return newDigest();
        }
    };

    private Sha256() {}

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** SHA-256 of {@code salt} (may be empty) followed by {@code data[from, to)}. */
    static byte[] of(byte[] salt, byte[] data, int from, int to) {
        MessageDigest d = DIGEST.get();
        d.reset();
        d.update(salt);
        d.update(data, from, to - from);
        return d.digest();
    }
}
