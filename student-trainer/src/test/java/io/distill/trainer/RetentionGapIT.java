package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.lm.codec.TopK;
import io.distill.lm.model.LmConfig;
import io.distill.schemas.SoftLabels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
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
