package io.distill.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RetentionGapTest {
    private static final TopicPartition P0 = new TopicPartition("text", 0);
    private static final TopicPartition P1 = new TopicPartition("text", 1);

    @Test
    void noGapWhereTheLogStartIsAtOrBeforeTheWantedOffset() {
        RetentionGap gap = RetentionGap.find(Map.of(P0, 5L, P1, 3L), Map.of(P0, 5L, P1, 0L));
        assertTrue(gap.isEmpty());
        assertEquals(0, gap.lost());
        assertEquals(Map.of(P0, 5L, P1, 3L), gap.from());
    }

    @Test
    void aGapReadsOnFromTheLogStartAndCountsTheDeletedOffsets() {
        RetentionGap gap = RetentionGap.find(Map.of(P0, 3L, P1, 2L), Map.of(P0, 10L, P1, 4L));
        assertFalse(gap.isEmpty());
        assertEquals(7 + 2, gap.lost());
        assertEquals(Map.of(P0, 10L, P1, 4L), gap.from());
        assertEquals(
                List.of("text-0 offsets 3..9", "text-1 offsets 2..3"),
                gap.ranges().stream().sorted().toList());
    }

    @Test
    void anUnknownLogStartIsNoGap() {
        RetentionGap gap = RetentionGap.find(Map.of(P0, 3L), Map.of());
        assertTrue(gap.isEmpty());
        assertEquals(Map.of(P0, 3L), gap.from());
    }
}
