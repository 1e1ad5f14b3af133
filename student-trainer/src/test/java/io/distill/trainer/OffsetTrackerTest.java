package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {
    private static final TopicPartition P0 = new TopicPartition("distill.soft-labels", 0);
    private static final TopicPartition P1 = new TopicPartition("distill.soft-labels", 1);

    @Test
    void aFreshAssignmentCoversItsStartPosition() {
        OffsetTracker t = new OffsetTracker();
        t.assigned(P0, 40);
        assertEquals(Map.of(P0, 40L), t.covered());
    }

    @Test
    void recordsWaitingInABatchAreNotCoveredUntilTrained() {
        OffsetTracker t = new OffsetTracker();
        t.assigned(P0, 0);
        t.waiting(P0, 0);
        t.waiting(P0, 1);
        assertEquals(0L, t.covered().get(P0), "nothing trained yet");
        t.trained(P0, 0);
        t.trained(P0, 1);
        assertEquals(2L, t.covered().get(P0));
    }

    @Test
    void skippedRecordsBehindAWaitingOneStayUncovered() {
        OffsetTracker t = new OffsetTracker();
        t.assigned(P0, 10);
        t.skipped(P0, 10); // held out
        t.waiting(P0, 11); // in the batch being filled
        t.skipped(P0, 12); // dead letter
        t.skipped(P0, 13); // held out
        assertEquals(11L, t.covered().get(P0), "11 is not trained: a crash must read it again, and 12, 13 with it");
        t.trained(P0, 11);
        assertEquals(14L, t.covered().get(P0));
    }

    @Test
    void partitionsAreIndependent() {
        OffsetTracker t = new OffsetTracker();
        t.assigned(P0, 0);
        t.assigned(P1, 100);
        t.waiting(P0, 0);
        t.skipped(P1, 100);
        t.waiting(P1, 101);
        t.trained(P1, 101);
        assertEquals(Map.of(P0, 0L, P1, 102L), t.covered());
    }

    @Test
    void aRevokedPartitionIsForgotten() {
        OffsetTracker t = new OffsetTracker();
        t.assigned(P0, 5);
        t.waiting(P0, 5);
        t.revoked(P0);
        assertFalse(t.isAssigned(P0));
        assertEquals(Map.of(), t.covered());
        t.trained(P0, 5); // a late report for a revoked partition is ignored
        assertThrows(IllegalStateException.class, () -> t.skipped(P0, 6));
    }

    @Test
    void aRevokedPartitionKeepsItsCoveredOffsetForTheCheckpointAndItsReturn() {
        OffsetTracker t = new OffsetTracker();
        t.assigned(P0, 5);
        t.assigned(P1, 0);
        t.skipped(P0, 5);
        t.waiting(P0, 6); // dropped with the partition: read again by whoever gets it
        t.revoked(P0);
        assertEquals(Optional.of(6L), t.resumeAt(P0));
        assertEquals(Map.of("distill.soft-labels-0", 6L, "distill.soft-labels-1", 0L), t.checkpointOffsets());
    }

    @Test
    void checkpointOffsetsOfThisTopicSayWhereToResume() {
        OffsetTracker t = new OffsetTracker();
        t.resumeFrom(Map.of("distill.soft-labels-0", 40L, "other-topic-0", 7L), "distill.soft-labels");
        assertEquals(Optional.of(40L), t.resumeAt(P0));
        assertEquals(Optional.empty(), t.resumeAt(P1), "not in the checkpoint");
        t.assigned(P1, 0);
        t.skipped(P1, 0);
        assertEquals(
                Map.of("distill.soft-labels-0", 40L, "distill.soft-labels-1", 1L),
                t.checkpointOffsets(),
                "a partition not held keeps its saved offset");
    }

    @Test
    void checkpointKeysRoundTripEvenWithDashesInTheTopic() {
        assertEquals("distill.soft-labels-3", OffsetTracker.key(new TopicPartition("distill.soft-labels", 3)));
        assertEquals(
                Optional.of(new TopicPartition("distill.soft-labels", 3)),
                OffsetTracker.parse("distill.soft-labels-3", "distill.soft-labels"));
        assertEquals(Optional.empty(), OffsetTracker.parse("other-topic-3", "distill.soft-labels"));
        assertEquals(Optional.empty(), OffsetTracker.parse("distill.soft-labels-x", "distill.soft-labels"));
    }
}
