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
 *
 * <p>A partition this trainer does not hold keeps the offset it was last known at: the one in the checkpoint training
 * resumed from, or its covered offset when it was revoked. That is where it is read from if it comes back, and what
 * the next checkpoint saves for it, so a checkpoint never forgets a partition.
 */
final class OffsetTracker {

    private static final class PartitionState {
        long next;
        final TreeSet<Long> waiting = new TreeSet<>();

        PartitionState(long next) {
            this.next = next;
        }

        long covered() {
            return waiting.isEmpty() ? next : waiting.first();
        }
    }

    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();
    private final Map<TopicPartition, Long> lastKnown = new HashMap<>();

    /** The offsets of a checkpoint: each partition of {@code topic} in it is read from there once assigned. */
    void resumeFrom(Map<String, Long> checkpointOffsets, String topic) {
        checkpointOffsets.forEach((key, offset) -> parse(key, topic).ifPresent(tp -> lastKnown.put(tp, offset)));
    }

    /** Where to read a newly assigned partition from, when a checkpoint or an earlier assignment says. */
    Optional<Long> resumeAt(TopicPartition partition) {
        return Optional.ofNullable(lastKnown.get(partition));
    }

    /** The consumer will read {@code partition} from {@code position} on. */
    void assigned(TopicPartition partition, long position) {
        partitions.put(partition, new PartitionState(position));
    }

    /**
     * The partition went to another consumer (or the consumer is closing): forget its waiting records, keep its
     * covered offset as the last known one.
     */
    void revoked(TopicPartition partition) {
        PartitionState s = partitions.remove(partition);
        if (s != null) {
            lastKnown.put(partition, s.covered());
        }
    }

    boolean isAssigned(TopicPartition partition) {
        return partitions.containsKey(partition);
    }

    /** A record was read and is finished with: held out, or delivered to the dead-letter topic. */
    void skipped(TopicPartition partition, long offset) {
        PartitionState s = state(partition);
        s.next = Math.max(s.next, offset + 1); // a mixed window can name a record older than the last read
    }

    /** The consumer jumped ahead to {@code offset} (a retention gap allowed): what lies before it is gone. */
    void jumped(TopicPartition partition, long offset) {
        PartitionState s = partitions.get(partition);
        if (s != null) {
            s.next = Math.max(s.next, offset);
        }
    }

    /** A record was read and waits in the batch being filled. */
    void waiting(TopicPartition partition, long offset) {
        PartitionState s = state(partition);
        s.next = Math.max(s.next, offset + 1);
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
        partitions.forEach((p, s) -> out.put(p, s.covered()));
        return out;
    }

    /** What a checkpoint saves, by {@link #key}: the covered offsets, and the last known of partitions not held. */
    Map<String, Long> checkpointOffsets() {
        Map<String, Long> out = new TreeMap<>();
        lastKnown.forEach((p, offset) -> out.put(key(p), offset));
        covered().forEach((p, offset) -> out.put(key(p), offset));
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
