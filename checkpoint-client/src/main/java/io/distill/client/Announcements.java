package io.distill.client;

import io.distill.schemas.AvroDecodeException;
import io.distill.schemas.AvroSerde;
import io.distill.schemas.CheckpointPublished;
import io.distill.schemas.DistillSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the compacted announcement topic from the beginning, without a consumer group (manual assignment), so every
 * reader sees every announcement.
 *
 * <p>A record counts only when its key is its {@code student} field, as the trainer writes it: anyone else's record
 * cannot stand for a student, and compaction keeps one announcement per student. Versions are compared per key: an
 * announcement not newer than one already seen for the same key is skipped, and other keys are unaffected.
 */
final class Announcements {
    private static final Logger LOG = LoggerFactory.getLogger(Announcements.class);

    private final Properties kafka;
    private final String topic;
    private final AvroSerde<CheckpointPublished> serde = DistillSerdes.checkpointPublished();
    private volatile KafkaConsumer<byte[], byte[]> following;
    private volatile boolean closed;

    Announcements(Properties kafka, String topic) {
        this.kafka = kafka;
        this.topic = topic;
    }

    /** The newest announcement of every student (or of {@code student} only), as the topic holds them now. */
    Map<String, CheckpointPublished> latest(Optional<String> student, Duration timeout) {
        Map<String, CheckpointPublished> latest = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = assignFromBeginning(consumer, timeout);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    accept(r, student).ifPresent(a -> keepNewest(latest, a));
                }
            }
        }
        return latest;
    }

    /**
     * Calls {@code handler} with the newest announcement of each student (or of {@code student}) as the topic holds
     * them, then with every newer one as it arrives, until {@link #close}.
     */
    void follow(Optional<String> student, Consumer<CheckpointPublished> handler) {
        Map<String, CheckpointPublished> handed = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            following = consumer;
            if (closed) {
                return;
            }
            List<TopicPartition> partitions = assignFromBeginning(consumer, Duration.ofSeconds(60));
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<String, CheckpointPublished> backlog = new LinkedHashMap<>();
            boolean caughtUp = false;
            while (!closed) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Optional<CheckpointPublished> a = accept(r, student);
                    if (a.isEmpty()) {
                        continue;
                    }
                    if (caughtUp) {
                        handOver(handed, a.get(), handler);
                    } else {
                        keepNewest(backlog, a.get());
                    }
                }
                if (!caughtUp && reached(consumer, end)) {
                    caughtUp = true;
                    backlog.values().forEach(a -> handOver(handed, a, handler));
                }
            }
        } catch (WakeupException e) {
            // close() was called
        } finally {
            following = null;
        }
    }

    /** Stops a running follow. */
    void close() {
        closed = true;
        KafkaConsumer<byte[], byte[]> c = following;
        if (c != null) {
            c.wakeup();
        }
    }

    /**
     * The announcement in {@code r}, if it decodes, its key names its student, and it is the student asked for.
     * Tombstones (a removed student) and unreadable or mis-keyed records are skipped.
     */
    Optional<CheckpointPublished> accept(ConsumerRecord<byte[], byte[]> r, Optional<String> student) {
        if (r.value() == null) {
            return Optional.empty();
        }
        CheckpointPublished a;
        try {
            a = serde.decode(r.value());
        } catch (AvroDecodeException e) {
            LOG.warn(
                    "skipping unreadable announcement at {}-{}@{}: {}",
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    e.getMessage());
            return Optional.empty();
        }
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        if (!a.getStudent().equals(key)) {
            LOG.warn(
                    "skipping announcement at {}-{}@{}: its key '{}' is not its student '{}'",
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    key,
                    a.getStudent());
            return Optional.empty();
        }
        return student.isEmpty() || student.get().equals(key) ? Optional.of(a) : Optional.empty();
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private List<TopicPartition> assignFromBeginning(KafkaConsumer<byte[], byte[]> consumer, Duration timeout) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist (no checkpoint was published yet?)");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return partitions;
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Keeps the newest announcement per key (which {@link #accept} made equal to the student). */
    private static void keepNewest(Map<String, CheckpointPublished> latest, CheckpointPublished a) {
        latest.merge(a.getStudent(), a, (old, now) -> now.getVersion() >= old.getVersion() ? now : old);
    }

    private static void handOver(
            Map<String, CheckpointPublished> handed, CheckpointPublished a, Consumer<CheckpointPublished> handler) {
        CheckpointPublished previous = handed.get(a.getStudent());
        if (previous != null && a.getVersion() <= previous.getVersion()) {
            return;
        }
        handed.put(a.getStudent(), a);
        handler.accept(a);
    }
}
