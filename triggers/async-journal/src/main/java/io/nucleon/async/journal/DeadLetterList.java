package io.nucleon.async.journal;

import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The dead letters that are listed (not replayed, superseded nor expired), held on the heap as
 * their id, their position in the dead-letter journal and when they were dead-lettered: the rest of
 * each (entry, body, error) stays in the journal and is read back by position. Ordered by position,
 * which is the order they were dead-lettered in, so the oldest is first.
 *
 * <p>Its size is kept within {@code maxDeadLetters} by {@link DeadLetterLog}, and so is its memory
 * (about 200 bytes per dead letter, most of it the id). It also remembers the position of the last
 * {@value #FORMER_POSITIONS} dead letters that left the list, so that a page cursor naming one of them
 * (the last id of a page, replayed since) still says where the next page starts.
 *
 * <p>Not thread-safe: {@link DeadLetterLog} uses it under its lock only.
 */
final class DeadLetterList {
    /** How many positions of dead letters that left the list are remembered for page cursors. */
    static final int FORMER_POSITIONS = 4096;

    /** One listed dead letter. */
    record Live(String id, long deadAtMillis) {}

    private final TreeMap<Long, Live> byPosition = new TreeMap<>();
    private final HashMap<String, Long> positionById = new HashMap<>();
    private final Map<String, Long> formerPositions = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > FORMER_POSITIONS;
        }
    };

    /**
     * Lists {@code id} at {@code position}; a dead letter already listed with that id (dead-lettered
     * again without a replay in between) is replaced by this later one.
     */
    void add(String id, long position, long deadAtMillis) {
        Long p = position;
        Long before = positionById.put(id, p);
        if (before != null) {
            byPosition.remove(before);
        }
        byPosition.put(p, new Live(id, deadAtMillis));
        formerPositions.remove(id);
    }

    /** Takes {@code id} off the list (replayed); false when it was not listed. */
    boolean remove(String id) {
        Long p = positionById.remove(id);
        if (p == null) {
            return false;
        }
        byPosition.remove(p);
        formerPositions.put(id, p);
        return true;
    }

    /** Takes every dead letter at a position up to {@code position} (inclusive) off the list; returns how many. */
    int dropThrough(long position) {
        int n = 0;
        while (!byPosition.isEmpty() && byPosition.firstKey() <= position) {
            Map.Entry<Long, Live> e = byPosition.pollFirstEntry();
            positionById.remove(e.getValue().id());
            formerPositions.put(e.getValue().id(), e.getKey());
            n++;
        }
        return n;
    }

    /**
     * The position of the last of the oldest run of dead letters dead-lettered before
     * {@code cutoffMillis}, or -1 when the oldest is not that old. Stops at the first younger one.
     */
    long lastPositionDeadBefore(long cutoffMillis) {
        long last = -1;
        for (Map.Entry<Long, Live> e : byPosition.entrySet()) {
            if (e.getValue().deadAtMillis() >= cutoffMillis) {
                break;
            }
            last = e.getKey();
        }
        return last;
    }

    /** The position of the {@code n}-th oldest dead letter ({@code n} from 1 to {@link #size()}). */
    long positionOfNth(int n) {
        if (n < 1 || n > byPosition.size()) {
            throw new IllegalArgumentException("no dead letter number " + n + " in a list of " + byPosition.size());
        }
        Iterator<Long> it = byPosition.keySet().iterator();
        long p = -1;
        for (int i = 0; i < n; i++) {
            p = it.next();
        }
        return p;
    }

    boolean contains(String id) {
        return positionById.containsKey(id);
    }

    /** The position of the listed {@code id}, or -1 when it is not listed. */
    long position(String id) {
        Long p = positionById.get(id);
        return p == null ? -1 : p;
    }

    /**
     * Where a page that follows {@code id} starts: the position of {@code id} when listed, or when
     * it left the list recently (one of the last {@value #FORMER_POSITIONS}); -1 otherwise.
     */
    long cursorPosition(String id) {
        Long p = positionById.get(id);
        if (p == null) {
            p = formerPositions.get(id);
        }
        return p == null ? -1 : p;
    }

    /** The listed dead letters after {@code position} (all of them for -1), oldest first; a view. */
    NavigableMap<Long, Live> after(long position) {
        return Collections.unmodifiableNavigableMap(position < 0 ? byPosition : byPosition.tailMap(position, false));
    }

    /** The position of the oldest listed dead letter, or -1 when none is listed. */
    long firstPosition() {
        return byPosition.isEmpty() ? -1 : byPosition.firstKey();
    }

    int size() {
        return byPosition.size();
    }

    boolean isEmpty() {
        return byPosition.isEmpty();
    }
}
