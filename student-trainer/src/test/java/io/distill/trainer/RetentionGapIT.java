package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.lm.codec.TopK;
import io.distill.lm.model.LmConfig;
import io.distill.schemas.SoftLabels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trainer down for longer than its input's retention: records after its checkpoint are deleted (here with {@code
 * Admin.deleteRecords}, which moves the log start as retention does). It refuses to go on by default, and with
 * {@code --allow-gaps} reads on from the log start and reports the gap.
 */
@ExtendWith(KafkaBrokerExtension.class)
class RetentionGapIT {
    private static final LmConfig TINY = LmConfig.named("tiny");
    private final EmbeddedKafkaBroker broker;

    RetentionGapIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void aCheckpointOffsetBehindTheLogStartIsRefusedUnlessGapsAreAllowedThenCounted(@TempDir Path dir)
            throws Exception {
        String topic = "gap-labels";
        SoftLabelStream.createTopic(broker.bootstrapServers(), topic, 1);
        List<SoftLabels> records = SoftLabelStream.label(SoftLabelStream.documents(8, 120, 7), 60, new TopK(8), 2f);
        int n = records.size() / 2;
        List<SoftLabels> first = records.subList(0, n);
        List<SoftLabels> second = records.subList(n, records.size());
        assertTrue(second.size() > 4, "enough records after the checkpoint: " + second.size());

        // Run 1 trains the first transaction (offsets 0..n-1, its commit marker at n) and checkpoints offset n.
        SoftLabelStream.produce(broker.bootstrapServers(), topic, first);
        try (RunningTrainer running = RunningTrainer.start(config(topic, dir, false))) {
            running.await(
                    "the first records",
                    Duration.ofSeconds(90),
                    () -> running.metrics().windowsTrained() == n);
        }

        // While it is down, more arrive (offsets n+1..), and retention deletes the first `deleted` of them.
        SoftLabelStream.produce(broker.bootstrapServers(), topic, second);
        int deleted = 3;
        long logStart = n + 1 + deleted;
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            long low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(logStart)))
                    .lowWatermarks()
                    .get(tp)
                    .get(30, TimeUnit.SECONDS)
                    .lowWatermark();
            assertEquals(logStart, low);
        }
        long lostOffsets = logStart - n; // the commit marker at n and `deleted` records

        RunningTrainer refused = RunningTrainer.start(config(topic, dir, false));
        Throwable failure = refused.awaitFailure(Duration.ofSeconds(90));
        RetentionGapException gap = assertInstanceOf(RetentionGapException.class, failure);
        assertEquals(lostOffsets, gap.lost());
        assertTrue(gap.getMessage().contains(tp + " offsets " + n + ".." + (logStart - 1)), gap.getMessage());
        assertTrue(gap.getMessage().contains("--allow-gaps"), gap.getMessage());
        assertEquals(0, refused.metrics().windowsTrained(), "nothing trained past the gap");
        assertEquals(lostOffsets, refused.metrics().retentionGapRecords());

        // The refusal saved nothing: with --allow-gaps the same checkpoint meets the same gap, then reads on.
        try (RunningTrainer allowed = RunningTrainer.start(config(topic, dir, true))) {
            allowed.await(
                    "the records after the gap",
                    Duration.ofSeconds(90),
                    () -> allowed.metrics().windowsTrained() == second.size() - deleted);
            assertEquals(lostOffsets, allowed.metrics().retentionGapRecords());
            assertTrue(
                    allowed.metrics()
                            .prometheus()
                            .contains("distill_trainer_retention_gap_records_total{student=\"gap-student\"} "
                                    + lostOffsets),
                    "the gap is on /metrics");
        }
    }

    /**
     * The same gap opening while the trainer runs: it has read everything up to offset n, the next records are held
     * back by an open transaction (read_committed stops at it), and meanwhile the log start moves past n. The
     * consumer's next fetch is out of range; the trainer must not jump ahead silently (it runs with
     * auto.offset.reset=none) but treat it as the gap it is: refused, or with --allow-gaps counted and read on.
     */
    @Test
    void aGapOpeningWhileTheTrainerRunsIsRefusedUnlessGapsAreAllowedThenCounted(@TempDir Path dir) throws Exception {
        List<SoftLabels> records = SoftLabelStream.label(SoftLabelStream.documents(8, 120, 9), 60, new TopK(8), 2f);
        int deleted = 3;

        RunningTrainer refused = gapWhileRunning("running-gap-refused", records, deleted, dir.resolve("a"), false);
        Throwable failure = refused.awaitFailure(Duration.ofSeconds(90));
        RetentionGapException gap = assertInstanceOf(RetentionGapException.class, failure);
        assertEquals(deleted, gap.lost());
        assertTrue(gap.getMessage().contains("--allow-gaps"), gap.getMessage());
        assertEquals(deleted, refused.metrics().retentionGapRecords());
        assertEquals(records.size() / 2, refused.metrics().windowsTrained(), "nothing trained past the gap");

        try (RunningTrainer allowed =
                gapWhileRunning("running-gap-allowed", records, deleted, dir.resolve("b"), true)) {
            allowed.await(
                    "the records after the gap",
                    Duration.ofSeconds(90),
                    () -> allowed.metrics().windowsTrained() == records.size() - deleted);
            assertEquals(deleted, allowed.metrics().retentionGapRecords());
        }
    }

    /**
     * A trainer that has trained the first half of the records (sent without a transaction, so that its position
     * is exactly that half's end n), then the second half in a transaction left open while the first {@code deleted}
     * of it are deleted; the transaction commits after the deletion, so an allowed trainer has the rest to read.
     */
    private RunningTrainer gapWhileRunning(
            String topic, List<SoftLabels> records, int deleted, Path dir, boolean allowGaps) throws Exception {
        SoftLabelStream.createTopic(broker.bootstrapServers(), topic, 1);
        int n = records.size() / 2;
        TopicPartition tp = new TopicPartition(topic, 0);
        try (var plain = producer(null)) {
            records.subList(0, n).forEach(r -> plain.send(record(topic, r)));
        }
        RunningTrainer running = RunningTrainer.start(config(topic, dir, allowGaps));
        running.await(
                "the first half",
                Duration.ofSeconds(90),
                () -> running.metrics().windowsTrained() == n);
        try (var transactional = producer("running-gap-" + topic)) {
            transactional.initTransactions();
            transactional.beginTransaction();
            records.subList(n, records.size()).forEach(r -> transactional.send(record(topic, r)));
            transactional.flush();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(n + deleted)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            }
            transactional.commitTransaction();
        }
        return running;
    }

    private KafkaProducer<byte[], byte[]> producer(String transactionalId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        if (transactionalId != null) {
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, SoftLabels labels) {
        return new ProducerRecord<>(
                topic, labels.getSampleId().getBytes(StandardCharsets.UTF_8), SoftLabelStream.SERDE.encode(labels));
    }

    private TrainerConfig config(String topic, Path dir, boolean allowGaps) {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", broker.bootstrapServers());
        return TrainerConfig.builder("gap-student", TINY, kafka, dir)
                .topics(topic, topic + ".checkpoints", topic + ".dead-letters")
                .batch(4, Duration.ofMillis(200))
                .learningRate(3e-3f, 5)
                .checkpointEvery(20, Duration.ofMinutes(1), 2)
                .holdout(0, 16)
                .progressEvery(Duration.ofSeconds(2))
                .allowGaps(allowGaps)
                .build();
    }
}
