package io.nucleon.trigger.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The commit rule of one partition, as a unit: commit only past records that finished, in order. */
class PartitionLaneTest {
    private static List<ConsumerRecord<byte[], byte[]>> records(long... offsets) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (long o : offsets) {
            out.add(new ConsumerRecord<>("t", 0, o, null, new byte[0]));
        }
        return out;
    }

    @Test
    void commitsUpToTheFirstUnfinishedRecordWhateverOrderTheyFinishIn() {
        PartitionLane lane = new PartitionLane(new TopicPartition("t", 0), 1);
        lane.add(records(5, 6, 8, 9)); // offsets may have gaps (compaction, transaction markers)
        List<PartitionLane.Taken> taken = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            taken.add(lane.take(10));
        }
        assertNull(lane.take(10));
        assertEquals(5, lane.commitOffset());
        lane.finished(taken.get(1).position());
        lane.finished(taken.get(3).position());
        assertEquals(5, lane.commitOffset(), "offset 5 is still running");
        lane.finished(taken.get(0).position());
        assertEquals(8, lane.commitOffset());
        lane.committed(8);
        assertEquals(-1, lane.commitOffset(), "nothing new to commit");
        lane.finished(taken.get(2).position());
        assertEquals(10, lane.commitOffset(), "everything fetched finished: commit the next offset to read");
        assertEquals(0, lane.buffered());
    }

    @Test
    void aRecordGivenBackIsNeverCommittedPast() {
        PartitionLane lane = new PartitionLane(new TopicPartition("t", 0), 1);
        lane.add(records(0, 1, 2));
        PartitionLane.Taken first = lane.take(1);
        assertNull(lane.take(1), "static mode: one at a time");
        lane.gaveBack(); // the processor stopped while it was running
        PartitionLane.Taken second = lane.take(1);
        lane.finished(second.position());
        assertEquals(0, lane.commitOffset());
        lane.revoke();
        assertNull(lane.take(1));
        assertEquals(0, lane.commitOffset(), "first=" + first.record().offset());
    }

    @Test
    void theWindowGrowsPastItsFirstSize() {
        PartitionLane lane = new PartitionLane(new TopicPartition("t", 0), 1);
        long[] offsets = new long[1000];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = 100 + i;
        }
        lane.add(records(offsets));
        List<PartitionLane.Taken> taken = new ArrayList<>();
        PartitionLane.Taken t;
        while ((t = lane.take(2000)) != null) {
            taken.add(t);
        }
        for (int i = taken.size() - 1; i >= 1; i--) {
            lane.finished(taken.get(i).position());
        }
        assertEquals(100, lane.commitOffset());
        assertEquals(1000, lane.buffered());
        lane.finished(taken.get(0).position());
        assertEquals(1100, lane.commitOffset());
    }
}
