package io.distill.trainer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each partition is read from when the group hands it over: from the offset the checkpoint (or this trainer's
 * last hold of it) says, else from the beginning; never from the group's committed offset, which is only a copy for
 * lag tools. A checkpoint offset that retention has deleted past is a gap ({@link RetentionGaps}): refused, or with
 * {@code --allow-gaps} read on from the log start.
 */
final class RebalanceListener implements ConsumerRebalanceListener {
    private static final Logger LOG = LoggerFactory.getLogger(RebalanceListener.class);

    private final Consumer<byte[], byte[]> consumer;
    private final OffsetTracker offsets;
    private final BatchTrainer batches;
    private final RetentionGaps gaps;
    private final TeacherMixture mixture; // null unless --teachers

    RebalanceListener(
            Consumer<byte[], byte[]> consumer,
            OffsetTracker offsets,
            BatchTrainer batches,
            RetentionGaps gaps,
            TeacherMixture mixture) {
        this.mixture = mixture;
        this.consumer = consumer;
        this.offsets = offsets;
        this.batches = batches;
        this.gaps = gaps;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            offsets.revoked(tp);
        }
        // Waiting records of those partitions are read again by whoever gets them, from the covered offset.
        batches.dropWaiting(partitions);
        if (mixture != null) {
            mixture.drop(partitions);
        }
        if (!partitions.isEmpty()) {
            LOG.info("partitions revoked: {}", partitions);
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> saved = new LinkedHashMap<>();
        List<TopicPartition> fresh = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            offsets.resumeAt(tp).ifPresentOrElse(o -> saved.put(tp, o), () -> fresh.add(tp));
        }
        Map<TopicPartition, Long> from = gaps.check(saved); // throws on a refused gap, before anything is sought
        from.forEach((tp, position) -> {
            consumer.seek(tp, position);
            if (position.equals(saved.get(tp))) {
                LOG.info("{}: resuming at offset {} (from the checkpoint)", tp, position);
            } else {
                LOG.warn(
                        "{}: resuming at offset {}, the log start (the checkpoint said {})",
                        tp,
                        position,
                        saved.get(tp));
            }
            offsets.assigned(tp, position);
        });
        // Explicit seeks only: the consumer has no reset policy (auto.offset.reset=none), so a partition without a
        // position would fail the next position() or poll().
        Map<TopicPartition, Long> starts = fresh.isEmpty() ? Map.of() : consumer.beginningOffsets(fresh);
        starts.forEach((tp, position) -> {
            consumer.seek(tp, position);
            LOG.info("{}: not in the checkpoint, reading from the beginning (offset {})", tp, position);
            offsets.assigned(tp, position);
        });
    }
}
