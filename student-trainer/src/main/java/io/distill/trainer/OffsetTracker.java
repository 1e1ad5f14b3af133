package io.distill.trainer;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/**
 * Which input offsets a checkpoint may claim. For each partition, the covered offset is the one before which every
 * record has been trained on or deliberately skipped (held out, or sent to the dead-letter topic): the first record
 * still waiting in a partly filled batch, or else the offset after the last record read. Records read but not yet
 * trained are therefore not covered, and are read again after a crash.
 *
 * <p>Records of one partition arrive in offset order (one consumer, no skipping), which is what makes "first
 * waiting record" the right bound.
 */
final class OffsetTracker {

    private static final class PartitionState {
        long next;
        final TreeSet<Long> waiting = new TreeSet<>();

        PartitionState(long next) {
            this.next = next;
        }
    }

    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();

    /** The consumer will read {@code partition} from {@code position} on. */
    void assigned(TopicPartition partition, long position) {
        partitions.put(partition, new PartitionState(position));
    }

    /** The partition went to another consumer (or the consumer is closing): forget it and its waiting records. */
    void revoked(TopicPartition partition) {
        partitions.remove(partition);
    }

    boolean isAssigned(TopicPartition partition) {
        return partitions.containsKey(partition);
    }

    /** A record was read and is finished with: held out, or delivered to the dead-letter topic. */
    void skipped(TopicPartition partition, long offset) {
        state(partition).next = offset + 1;
    }

    /** A record was read and waits in the batch being filled. */
    void waiting(TopicPartition partition, long offset) {
        PartitionState s = state(partition);
        s.next = offset + 1;
        s.waiting.add(offset);
    }

    /** A record waiting in a batch has been trained on. */
    void trained(TopicPartition partition, long offset) {
        PartitionState s = partitions.get(partition);
        if (s != null) {
            s.waiting.remove(offset);
        }
    }

    /** The covered offset of every assigned partition: what a checkpoint saves and the group commits. */
    Map<TopicPartition, Long> covered() {
        Map<TopicPartition, Long> out = new TreeMap<>(OffsetTracker::compare);
        partitions.forEach((p, s) -> out.put(p, s.waiting.isEmpty() ? s.next : s.waiting.first()));
        return out;
    }

    /** The key of a partition in a checkpoint's offsets: {@code topic-partition}, as Kafka prints it. */
    static String key(TopicPartition partition) {
        return partition.topic() + "-" + partition.partition();
    }

    /** The partition a checkpoint key names, when it is one of {@code topic}'s. */
    static Optional<TopicPartition> parse(String key, String topic) {
        if (!key.startsWith(topic + "-")) {
            return Optional.empty();
        }
        try {
            int partition = Integer.parseInt(key.substring(topic.length() + 1));
            return partition >= 0 ? Optional.of(new TopicPartition(topic, partition)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private PartitionState state(TopicPartition partition) {
        PartitionState s = partitions.get(partition);
        if (s == null) {
            throw new IllegalStateException("a record of " + partition + ", which is not assigned");
        }
        return s;
    }

    private static int compare(TopicPartition a, TopicPartition b) {
        int byTopic = a.topic().compareTo(b.topic());
        return byTopic != 0 ? byTopic : Integer.compare(a.partition(), b.partition());
    }
}
