package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A teacher down for longer than its text topic's retention: input after its committed offset is deleted ({@code
 * Admin.deleteRecords} moves the log start as retention does). It refuses to start by default, and with {@code
 * allowGaps} starts from the log start and reports the gap.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TeacherRetentionGapIT {
    private static NDManager manager;
    private static TeacherModel teacher;
    private final EmbeddedKafkaBroker broker;

    TeacherRetentionGapIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @BeforeAll
    static void loadTeacher() {
        manager = NDManager.newBaseManager();
        teacher = TinyTeacher.create(manager);
    }

    @AfterAll
    static void closeTeacher() {
        manager.close();
    }

    @Test
    void aCommittedOffsetBehindTheLogStartIsRefusedUnlessGapsAreAllowedThenCounted() throws Exception {
        String prefix = "gap";
        String app = "teacher-gap";
        KafkaTestKit.createTopics(
                broker.bootstrapServers(),
                Map.of(prefix + ".text", 1, prefix + ".soft-labels", 1, prefix + ".dead-letters", 1));
        TopicPartition tp = new TopicPartition(prefix + ".text", 0);
        List<KafkaTestKit.Doc> first = KafkaTestKit.docs("first", 6, 120, 1);
        List<KafkaTestKit.Doc> second = KafkaTestKit.docs("second", 8, 120, 2);
        try (var producer = KafkaTestKit.producer(broker.bootstrapServers())) {
            KafkaTestKit.send(producer, prefix + ".text", first);
        }
        try (TeacherService service = new TeacherService(options(app, prefix, false))) {
            service.start(teacher);
            TeacherServiceIT.await(() -> service.metrics().recordsIn() == first.size(), Duration.ofSeconds(90));
        }
        long committed;
        try (Admin admin = admin()) {
            TeacherServiceIT.await(() -> committed(admin, app, tp) == first.size(), Duration.ofSeconds(30));
            committed = committed(admin, app, tp);
            try (var producer = KafkaTestKit.producer(broker.bootstrapServers())) {
                KafkaTestKit.send(producer, prefix + ".text", second);
            }
            int deleted = 3;
            long low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(committed + deleted)))
                    .lowWatermarks()
                    .get(tp)
                    .get(30, TimeUnit.SECONDS)
                    .lowWatermark();
            assertEquals(committed + deleted, low);
        }

        try (TeacherService refused = new TeacherService(options(app, prefix, false))) {
            InputGapException gap = assertThrows(InputGapException.class, () -> refused.start(teacher));
            assertEquals(3, gap.lost());
            assertTrue(
                    gap.getMessage().contains(tp + " offsets " + committed + ".." + (committed + 2)), gap.getMessage());
            assertEquals(3, refused.metrics().retentionGapRecords());
            assertEquals(KafkaStreams.State.CREATED, refused.state(), "never started");
        }

        try (TeacherService allowed = new TeacherService(options(app, prefix, true))) {
            allowed.start(teacher);
            TeacherServiceIT.await(() -> allowed.metrics().recordsIn() == second.size() - 3, Duration.ofSeconds(90));
            assertEquals(3, allowed.metrics().retentionGapRecords());
            String page = allowed.metrics().scrape();
            assertTrue(
                    page.lines()
                            .anyMatch(l ->
                                    l.startsWith("distill_teacher_retention_gap_records_total") && l.endsWith(" 3.0")),
                    "the gap is on /metrics");
        }
    }

    /**
     * The same gap opening while the teacher runs: it has read every record up to offset n (sent without a
     * transaction, so that its position is exactly n), the next ones are held back by an open transaction (exactly-
     * once reads read_committed), and meanwhile the log start moves past n. Kafka Streams resets the fetch to the
     * log start by itself; the teacher must notice, count it, and stop unless gaps are allowed.
     */
    @Test
    void aGapOpeningWhileTheTeacherRunsStopsItUnlessGapsAreAllowedThenCounted() throws Exception {
        int deleted = 3;
        try (TeacherService refused = gapWhileRunning("running-gap-refused", deleted, false)) {
            assertEquals(KafkaStreams.State.ERROR, refused.awaitStopped());
            InputGapException gap =
                    assertInstanceOf(InputGapException.class, refused.failure().orElseThrow());
            assertEquals(deleted, gap.lost());
            assertTrue(gap.getMessage().contains("--allow-gaps"), gap.getMessage());
            assertEquals(deleted, refused.metrics().retentionGapRecords());
            assertEquals(FIRST, refused.metrics().recordsIn(), "nothing read past the gap");
        }
        try (TeacherService allowed = gapWhileRunning("running-gap-allowed", deleted, true)) {
            TeacherServiceIT.await(
                    () -> allowed.metrics().recordsIn() == FIRST + SECOND - deleted, Duration.ofSeconds(90));
            assertEquals(deleted, allowed.metrics().retentionGapRecords());
            assertEquals(KafkaStreams.State.RUNNING, allowed.state());
        }
    }

    private static final int FIRST = 6;
    private static final int SECOND = 8;

    /**
     * A running teacher that has read FIRST documents, then SECOND more in a transaction left open while the first
     * {@code deleted} of them are deleted; the transaction commits after the deletion.
     */
    private TeacherService gapWhileRunning(String prefix, int deleted, boolean allowGaps) throws Exception {
        KafkaTestKit.createTopics(
                broker.bootstrapServers(),
                Map.of(prefix + ".text", 1, prefix + ".soft-labels", 1, prefix + ".dead-letters", 1));
        TopicPartition tp = new TopicPartition(prefix + ".text", 0);
        try (var producer = KafkaTestKit.producer(broker.bootstrapServers())) {
            KafkaTestKit.send(producer, prefix + ".text", KafkaTestKit.docs("first", FIRST, 120, 1));
        }
        TeacherService service = new TeacherService(options(prefix + "-app", prefix, allowGaps));
        service.start(teacher);
        TeacherServiceIT.await(() -> service.metrics().recordsIn() == FIRST, Duration.ofSeconds(90));
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + "-producer");
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
                Admin admin = admin()) {
            producer.initTransactions();
            producer.beginTransaction();
            KafkaTestKit.send(producer, prefix + ".text", KafkaTestKit.docs("second", SECOND, 120, 2));
            admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(FIRST + deleted)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            producer.commitTransaction();
        }
        return service;
    }

    private Admin admin() {
        return Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()));
    }

    private static long committed(Admin admin, String app, TopicPartition tp) {
        try {
            OffsetAndMetadata om = admin.listConsumerGroupOffsets(app)
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS)
                    .get(tp);
            return om == null ? -1 : om.offset();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private TeacherService.Options options(String app, String prefix, boolean allowGaps) {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", broker.bootstrapServers());
        kafka.put("session.timeout.ms", "6000");
        kafka.put("heartbeat.interval.ms", "1000");
        TeacherConfig config = TeacherConfig.builder()
                .inputTopic(prefix + ".text")
                .outputTopic(prefix + ".soft-labels")
                .deadLetterTopic(prefix + ".dead-letters")
                .context(32)
                .maxBatch(8)
                .maxWait(Duration.ofMillis(200))
                .maxTextBytes(10_000)
                .allowGaps(allowGaps)
                .build();
        return new TeacherService.Options(app, config, kafka, 0);
    }
}
