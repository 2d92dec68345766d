package io.nucleon.trigger.kafka;

import java.util.ArrayDeque;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One assigned partition's records between the poll and the commit.
 *
 * <pre>
 *  poll ──add──▶ pending ──take──▶ in flight ──finished──▶ (its slot in the window is marked done)
 *                window: every fetched record, in fetch order; done ones leave from the front
 *                commit offset = offset of the first record not done, or the next one to fetch
 * </pre>
 *
 * An offset is committable only when it and every earlier one of the partition have finished
 * (handled, or dead-lettered). Each record gets a position in fetch order when it is added; the
 * window keeps the offsets and done flags of all records not yet committable, as a ring, so
 * marking and advancing cost O(1) whatever order records finish in. Records taken back (a stop, a
 * revoke) are never marked done, so they are never committed past and are polled again by whoever
 * owns the partition next. Thread-safe: the poll thread adds, workers finish.
 */
final class PartitionLane {
    final TopicPartition partition;
    final int totalShards;
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> pending = new ArrayDeque<>();
    /** Position of the next record to be taken; positions are assigned in fetch order. */
    private long nextTake;
    /** Position of the window's first record. */
    private long windowStart;

    private long[] offsets = new long[64];
    private boolean[] done = new boolean[64];
    private int head;
    private int size;
    private long nextOffset = -1;
    private int inFlight;
    private boolean revoked;
    private volatile boolean paused;
    private long committed = -1;

    PartitionLane(TopicPartition partition, int totalShards) {
        this.partition = partition;
        this.totalShards = totalShards;
    }

    synchronized void add(List<ConsumerRecord<byte[], byte[]>> records) {
        if (revoked) {
            return;
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
            pending.add(r);
            if (size == offsets.length) {
                grow();
            }
            int slot = (head + size) % offsets.length;
            offsets[slot] = r.offset();
            done[slot] = false;
            size++;
            nextOffset = r.offset() + 1;
        }
    }

    private void grow() {
        long[] o = new long[offsets.length * 2];
        boolean[] d = new boolean[done.length * 2];
        for (int i = 0; i < size; i++) {
            o[i] = offsets[(head + i) % offsets.length];
            d[i] = done[(head + i) % done.length];
        }
        offsets = o;
        done = d;
        head = 0;
    }

    /** A record handed out, with its position in fetch order (for {@link #finished}). */
    record Taken(ConsumerRecord<byte[], byte[]> record, long position) {}

    /** The next record to hand out, if fewer than {@code maxInFlight} are out and the lane is live. */
    synchronized Taken take(int maxInFlight) {
        if (revoked || inFlight >= maxInFlight || pending.isEmpty()) {
            return null;
        }
        inFlight++;
        return new Taken(pending.poll(), nextTake++);
    }

    /** The record at {@code position} is done for good (handled, or dead-lettered): it may be committed past. */
    synchronized void finished(long position) {
        inFlight--;
        long index = position - windowStart;
        if (index < 0 || index >= size) {
            return; // not in the window (cannot happen: positions are handed out once, in order)
        }
        done[(int) ((head + index) % done.length)] = true;
        while (size > 0 && done[head]) {
            head = (head + 1) % done.length;
            size--;
            windowStart++;
        }
    }

    /** The record was handed out but will not be finished here (stopping, revoked): it stays uncommitted. */
    synchronized void gaveBack() {
        inFlight--;
    }

    /** Stops handing out records; what was not handed out stays uncommitted. */
    synchronized void revoke() {
        revoked = true;
        pending.clear();
    }

    synchronized boolean isRevoked() {
        return revoked;
    }

    synchronized int inFlight() {
        return inFlight;
    }

    /** Records fetched and not yet committable: what pausing the partition bounds. */
    synchronized int buffered() {
        return size;
    }

    synchronized boolean hasPending() {
        return !pending.isEmpty();
    }

    /** The offset to commit (the next record to read), or -1 when nothing new can be committed. */
    synchronized long commitOffset() {
        long offset = size == 0 ? nextOffset : offsets[head];
        return offset > committed ? offset : -1;
    }

    synchronized void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    synchronized long lastCommitted() {
        return committed;
    }

    /** Whether the poll thread has paused fetching for this partition. Written by the poll thread only. */
    boolean paused() {
        return paused;
    }

    void paused(boolean p) {
        paused = p;
    }
}
