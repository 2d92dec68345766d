package io.nucleon.async.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * The ids of accepted calls, derived from where the call sits in the input journal rather than
 * drawn at random and remembered: {@code <index>-<tag>}, both as 16 lower-case hex digits, where
 * {@code index} is the entry's input-journal index and {@code tag} is SipHash-2-4 of that index under
 * a 128-bit key kept in the journal directory ({@code id.key}, mode 0600, made once).
 *
 * <p>Why: the accept path then neither draws random bytes nor records anything per call to answer
 * a status query later. The id alone says where the entry is, and only this journal's key makes a
 * valid tag, so ids cannot be guessed from one another (a caller who knows one id can only learn
 * how many calls came before it). An id whose tag is wrong is unknown, as a random one would be.
 * Losing {@code id.key} makes the ids of calls already accepted unknown to status queries; the
 * calls themselves are still handled.
 */
final class EventIds {
    static final String KEY_FILE = "id.key";
    private static final int ID_LENGTH = 33;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final long k0;
    private final long k1;

    EventIds(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /** The key in {@code dir/id.key}, made (from {@link SecureRandom}, mode 0600) when missing. */
    static EventIds open(Path dir) throws IOException {
        Path file = dir.resolve(KEY_FILE);
        if (!Files.exists(file)) {
            byte[] key = new byte[16];
            new SecureRandom().nextBytes(key);
            Path tmp = Files.createTempFile(dir, ".id-key", ".tmp");
            try {
                try {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException notPosix) {
                    // the directory itself is private (0700)
                }
                Files.write(tmp, key, StandardOpenOption.TRUNCATE_EXISTING);
                try {
                    // a link never replaces: two processes opening a new journal at once agree on one key
                    Files.createLink(file, tmp);
                } catch (FileAlreadyExistsException someoneElse) {
                    // the other key won; read it below
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        byte[] key = Files.readAllBytes(file);
        if (key.length != 16) {
            throw new IOException(file + " holds " + key.length + " bytes, not the 16 of an id key");
        }
        ByteBuffer b = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
        return new EventIds(b.getLong(), b.getLong());
    }

    /** The id of the entry at {@code index}. */
    String idOf(long index) {
        char[] c = new char[ID_LENGTH];
        hex(index, c, 0);
        c[16] = '-';
        hex(tag(index), c, 17);
        return new String(c);
    }

    /**
     * The input-journal index that {@code id} stands for, or -1 when {@code id} is not an id of this
     * journal (wrong form, or a tag this key did not make).
     */
    long indexOf(String id) {
        if (id.length() != ID_LENGTH || id.charAt(16) != '-' || !lowerHex(id, 0, 16) || !lowerHex(id, 17, ID_LENGTH)) {
            return -1;
        }
        long index = Long.parseUnsignedLong(id, 0, 16, 16);
        long tag = Long.parseUnsignedLong(id, 17, ID_LENGTH, 16);
        return index >= 0 && tag(index) == tag ? index : -1;
    }

    long tag(long index) {
        return sipHash24(k0, k1, index);
    }

    private static void hex(long v, char[] out, int at) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) (v & 0xF)];
            v >>>= 4;
        }
    }

    private static boolean lowerHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

    /** SipHash-2-4 (Aumasson and Bernstein) of one 8-byte little-endian message. */
    static long sipHash24(long k0, long k1, long m) {
        long[] v = {
            k0 ^ 0x736f6d6570736575L, k1 ^ 0x646f72616e646f6dL, k0 ^ 0x6c7967656e657261L, k1 ^ 0x7465646279746573L
        };
        long last = 8L << 56; // the final block holds only the message length, 8
        for (long block : new long[] {m, last}) { // two compression rounds per block
            v[3] ^= block;
            sipRounds(v, 2);
            v[0] ^= block;
        }
        v[2] ^= 0xff;
        sipRounds(v, 4); // finalisation
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void sipRounds(long[] v, int rounds) {
        for (int r = 0; r < rounds; r++) {
            v[0] += v[1];
            v[1] = Long.rotateLeft(v[1], 13);
            v[1] ^= v[0];
            v[0] = Long.rotateLeft(v[0], 32);
            v[2] += v[3];
            v[3] = Long.rotateLeft(v[3], 16);
            v[3] ^= v[2];
            v[0] += v[3];
            v[3] = Long.rotateLeft(v[3], 21);
            v[3] ^= v[0];
            v[2] += v[1];
            v[1] = Long.rotateLeft(v[1], 17);
            v[1] ^= v[2];
            v[2] = Long.rotateLeft(v[2], 32);
        }
    }
}
