package io.nucleon.async.journal;

/**
 * The entries handed out and not yet committed, in the order they were handed out (which is
 * journal order, so their indexes increase). {@link #markDone} may come in any order; the committed
 * position only moves past a contiguous run of done entries at the front, like a commit of the
 * lowest unfinished entry.
 */
final class InFlightWindow {

    static final long NO_ADVANCE = Long.MIN_VALUE;

    private long[] indexes = new long[1024];
    private boolean[] done = new boolean[1024];
    private int head;
    private int size;

    synchronized void add(long index) {
        if (size == indexes.length) {
            grow();
        }
        int at = (head + size) & (indexes.length - 1);
        indexes[at] = index;
        done[at] = false;
        size++;
    }

    /**
     * Marks {@code index} done. Returns the index of the last entry of the contiguous done run now
     * removed from the front (the new committed position), or {@link #NO_ADVANCE}.
     *
     * @throws IllegalArgumentException if the index was never handed out (or was committed already
     *                                  and is not the last committed)
     */
    synchronized long markDone(long index, long committed) {
        int pos = find(index);
        if (pos < 0) {
            if (index <= committed) {
                return NO_ADVANCE; // already committed: a repeated markDone
            }
            throw new IllegalArgumentException(
                    "index " + index + " was not handed out by poll() (or was already done)");
        }
        int mask = indexes.length - 1;
        done[(head + pos) & mask] = true;
        long advanced = NO_ADVANCE;
        while (size > 0 && done[head]) {
            advanced = indexes[head];
            head = (head + 1) & mask;
            size--;
        }
        return advanced;
    }

    /** Whether {@code index} is handed out and not done. */
    synchronized boolean contains(long index) {
        int pos = find(index);
        return pos >= 0 && !done[(head + pos) & (indexes.length - 1)];
    }

    synchronized int size() {
        return size;
    }

    /** The lowest index handed out and not done, or {@link #NO_ADVANCE} when none. */
    synchronized long lowestUnfinished() {
        return size == 0 ? NO_ADVANCE : indexes[head];
    }

    private int find(long index) {
        int mask = indexes.length - 1;
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long v = indexes[(head + mid) & mask];
            if (v < index) {
                lo = mid + 1;
            } else if (v > index) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    private void grow() {
        int n = indexes.length;
        long[] ni = new long[n * 2];
        boolean[] nd = new boolean[n * 2];
        for (int i = 0; i < size; i++) {
            ni[i] = indexes[(head + i) & (n - 1)];
            nd[i] = done[(head + i) & (n - 1)];
        }
        indexes = ni;
        done = nd;
        head = 0;
    }
}
