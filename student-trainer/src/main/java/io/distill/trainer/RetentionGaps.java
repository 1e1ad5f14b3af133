package io.distill.trainer;

import io.distill.schemas.RetentionGap;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Detects records deleted from the input before they were trained on: a partition's log start offset (moved by
 * retention or {@code deleteRecords}) beyond the offset the trainer would read next. Such a gap is logged with its
 * size and counted ({@code distill_trainer_retention_gap_records_total}); then the trainer refuses to go on, unless
 * gaps are allowed, when it reads on from the log start.
 *
 * <p>The count is of offsets, so transaction markers among the deleted offsets count too: it is an upper bound of the
 * records lost.
 */
final class RetentionGaps {
    private static final Logger LOG = LoggerFactory.getLogger(RetentionGaps.class);

    private final Consumer<byte[], byte[]> consumer;
    private final boolean allow;
    private final TrainerMetrics metrics;

    RetentionGaps(Consumer<byte[], byte[]> consumer, boolean allow, TrainerMetrics metrics) {
        this.consumer = consumer;
        this.allow = allow;
        this.metrics = metrics;
    }

    /**
     * Where to read each partition from: the offset asked for, or the partition's log start when that has moved past
     * it and gaps are allowed.
     *
     * @throws RetentionGapException when a gap is found and gaps are not allowed; nothing has been sought then
     */
    Map<TopicPartition, Long> check(Map<TopicPartition, Long> wanted) {
        if (wanted.isEmpty()) {
            return wanted;
        }
        RetentionGap gap = RetentionGap.find(wanted, consumer.beginningOffsets(wanted.keySet()));
        if (gap.isEmpty()) {
            return gap.from();
        }
        metrics.retentionGap(gap.lost());
        String what =
                "retention gap: up to " + gap.lost() + " records deleted from the input before they were trained on ("
                        + String.join(", ", gap.ranges()) + ")";
        if (!allow) {
            LOG.error("{}; refusing to skip them (--allow-gaps reads on from the log start)", what);
            throw new RetentionGapException(what + "; refusing to skip them (--allow-gaps to go on)", gap.lost());
        }
        LOG.warn("{}; reading on from the log start (--allow-gaps)", what);
        return gap.from();
    }
}
