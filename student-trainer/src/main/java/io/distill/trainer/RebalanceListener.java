package io.distill.trainer;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each partition is read from when the group hands it over: from the offset the checkpoint (or this trainer's
 * last hold of it) says, else from the beginning; never from the group's committed offset, which is only a copy for
 * lag tools.
 */
final class RebalanceListener implements ConsumerRebalanceListener {
    private static final Logger LOG = LoggerFactory.getLogger(RebalanceListener.class);

    private final Consumer<byte[], byte[]> consumer;
    private final OffsetTracker offsets;
    private final BatchTrainer batches;

    RebalanceListener(Consumer<byte[], byte[]> consumer, OffsetTracker offsets, BatchTrainer batches) {
        this.consumer = consumer;
        this.offsets = offsets;
        this.batches = batches;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            offsets.revoked(tp);
        }
        // Waiting records of those partitions are read again by whoever gets them, from the covered offset.
        batches.dropWaiting(partitions);
        if (!partitions.isEmpty()) {
            LOG.info("partitions revoked: {}", partitions);
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            Optional<Long> saved = offsets.resumeAt(tp);
            long position;
            if (saved.isPresent()) {
                position = saved.get();
                consumer.seek(tp, position);
                LOG.info("{}: resuming at offset {} (from the checkpoint)", tp, position);
            } else {
                consumer.seekToBeginning(List.of(tp));
                position = consumer.position(tp);
                LOG.info("{}: not in the checkpoint, reading from the beginning (offset {})", tp, position);
            }
            offsets.assigned(tp, position);
        }
    }
}
