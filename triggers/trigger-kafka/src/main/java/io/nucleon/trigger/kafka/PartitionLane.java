package io.nucleon.trigger.kafka;

import java.util.ArrayDeque;
import java.util.List;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One assigned partition's records between the poll and the commit.
 *
 * <pre>
 *  poll ──add──▶ pending ──take──▶ in flight ──finished──▶ (offset leaves "unfinished")
 *                                                    commit offset = lowest unfinished, or next to poll
 * </pre>
 *
 * An offset is committable only when it and every earlier one of the partition have finished
 * (handled, or dead-lettered): the commit position is the lowest offset still unfinished. Records
 * taken back (a stop, a revoke) stay unfinished, so they are never committed past and are polled
 * again by whoever owns the partition next. Thread-safe: the poll thread adds, workers finish.
 */
final class PartitionLane {
    final TopicPartition partition;
    final int totalShards;
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> pending = new ArrayDeque<>();
    private final TreeSet<Long> unfinished = new TreeSet<>();
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
            unfinished.add(r.offset());
            nextOffset = r.offset() + 1;
        }
    }

    /** The next record to hand out, if fewer than {@code maxInFlight} are out and the lane is live. */
    synchronized ConsumerRecord<byte[], byte[]> take(int maxInFlight) {
        if (revoked || inFlight >= maxInFlight || pending.isEmpty()) {
            return null;
        }
        inFlight++;
        return pending.poll();
    }

    /** The record is done for good (handled, or dead-lettered): its offset may be committed past. */
    synchronized void finished(long offset) {
        unfinished.remove(offset);
        inFlight--;
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

    /** Records fetched and not finished: what pausing the partition bounds. */
    synchronized int buffered() {
        return unfinished.size();
    }

    synchronized boolean hasPending() {
        return !pending.isEmpty();
    }

    /** The offset to commit (the next record to read), or -1 when nothing new can be committed. */
    synchronized long commitOffset() {
        long offset = unfinished.isEmpty() ? nextOffset : unfinished.first();
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
