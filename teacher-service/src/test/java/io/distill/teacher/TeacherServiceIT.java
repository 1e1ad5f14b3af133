package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.schemas.DeadLetter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The teacher service on a real broker: end to end with a read_committed consumer, HTTP, and two instances. */
@ExtendWith(KafkaBrokerExtension.class)
class TeacherServiceIT {
    private static final int CONTEXT = 32;
    private static NDManager manager;
    private static TeacherModel teacher;

    private final EmbeddedKafkaBroker broker;
    private final HttpClient http = HttpClient.newHttpClient();

    TeacherServiceIT(EmbeddedKafkaBroker broker) {
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

    private TeacherService.Options options(String app, String prefix) {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", broker.bootstrapServers());
        kafka.put("session.timeout.ms", "6000");
        kafka.put("heartbeat.interval.ms", "1000");
        TeacherConfig config = TeacherConfig.builder()
                .inputTopic(prefix + ".text")
                .outputTopic(prefix + ".soft-labels")
                .deadLetterTopic(prefix + ".dead-letters")
                .context(CONTEXT)
                .maxBatch(8)
                .maxWait(Duration.ofMillis(200))
                .maxTextBytes(10_000)
                .build();
        return new TeacherService.Options(app, config, kafka, 0);
    }

    @Test
    void labelsEveryWindowExactlyOnceAndServesHealthAndMetrics() throws Exception {
        String prefix = "e2e";
        KafkaTestKit.createTopics(
                broker.bootstrapServers(),
                Map.of(prefix + ".text", 2, prefix + ".soft-labels", 2, prefix + ".dead-letters", 1));
        List<KafkaTestKit.Doc> docs = KafkaTestKit.docs("e2e", 150, 200, 1);
        List<String> expected = KafkaTestKit.expectedWindows(docs, CONTEXT);
        try (var producer = KafkaTestKit.producer(broker.bootstrapServers())) {
            KafkaTestKit.send(producer, prefix + ".text", docs);
            producer.send(new ProducerRecord<>(prefix + ".text", "bad".getBytes(), new byte[] {(byte) 0xFF, 'x'}));
            producer.send(new ProducerRecord<>(prefix + ".text", "huge".getBytes(), new byte[20_000]));
        }

        try (TeacherService service = new TeacherService(options("teacher-e2e", prefix))) {
            HttpResponse<String> loading = get(service.httpPort(), "/healthz");
            assertEquals(503, loading.statusCode());
            assertTrue(loading.body().contains("loading"), loading.body());

            service.start(teacher);
            await(() -> service.state() == KafkaStreams.State.RUNNING, Duration.ofSeconds(60));
            await(() -> get(service.httpPort(), "/healthz").statusCode() == 200, Duration.ofSeconds(10));

            Map<String, Integer> seen = KafkaTestKit.readSoftLabels(
                            broker.bootstrapServers(),
                            prefix + ".soft-labels",
                            expected.size(),
                            Duration.ofSeconds(60),
                            Duration.ofSeconds(2))
                    .counts();
            assertEquals(List.of(), KafkaTestKit.exactlyOnceProblems(expected, seen));

            var deadLetters =
                    KafkaTestKit.consumer(broker.bootstrapServers(), prefix + ".dead-letters", "read_committed");
            Set<String> reasons = new TreeSet<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (reasons.size() < 2 && System.nanoTime() < deadline) {
                deadLetters
                        .poll(Duration.ofMillis(200))
                        .forEach(r -> reasons.add(new String(r.key(), StandardCharsets.UTF_8) + ":"
                                + DeadLetter.header(r.headers(), DeadLetter.REASON)));
            }
            deadLetters.close();
            assertEquals(Set.of("bad:INVALID_UTF8", "huge:OVERSIZED"), reasons);

            String metrics = get(service.httpPort(), "/metrics").body();
            assertEquals(
                    docs.size() + 2, TeacherMetricsTest.sample(metrics, "distill_teacher_records_in_total"), metrics);
            assertEquals(
                    expected.size(), TeacherMetricsTest.sample(metrics, "distill_teacher_records_out_total"), metrics);
            assertEquals(
                    1, TeacherMetricsTest.sample(metrics, "distill_teacher_dead_letters_total{reason=\"OVERSIZED\"}"));
            assertTrue(metrics.contains("distill_teacher_wire_bytes_per_token "), metrics);
            assertEquals(1, TeacherMetricsTest.sample(metrics, "distill_teacher_streams_state{state=\"RUNNING\"}"));
            assertTrue(metrics.contains("kafka_stream_thread_process_total"), "Kafka Streams metrics");
            assertTrue(metrics.contains("kafka_producer_"), "its producer's metrics");
            assertTrue(
                    service.metrics().batchFill() > 0.5,
                    "batches fill across records: " + service.metrics().batchFill());
        }
    }

    /**
     * Two instances with one application id (sharing one model object across their stream threads) each own part
     * of the four partitions, and together label every window exactly once.
     */
    @Test
    void twoInstancesSplitThePartitionsAndTogetherLabelEverythingOnce() throws Exception {
        String prefix = "pair";
        KafkaTestKit.createTopics(
                broker.bootstrapServers(),
                Map.of(prefix + ".text", 4, prefix + ".soft-labels", 4, prefix + ".dead-letters", 1));
        try (TeacherService a = new TeacherService(options("teacher-pair", prefix));
                TeacherService b = new TeacherService(options("teacher-pair", prefix))) {
            a.start(teacher);
            b.start(teacher);
            await(
                    () -> activeTasks(a) > 0
                            && activeTasks(b) > 0
                            && activeTasks(a) + activeTasks(b) == 4
                            && a.state() == KafkaStreams.State.RUNNING
                            && b.state() == KafkaStreams.State.RUNNING,
                    Duration.ofSeconds(90));

            List<KafkaTestKit.Doc> docs = KafkaTestKit.docs("pair", 200, 150, 2);
            List<String> expected = KafkaTestKit.expectedWindows(docs, CONTEXT);
            try (var producer = KafkaTestKit.producer(broker.bootstrapServers())) {
                KafkaTestKit.send(producer, prefix + ".text", docs);
            }

            Map<String, Integer> seen = KafkaTestKit.readSoftLabels(
                            broker.bootstrapServers(),
                            prefix + ".soft-labels",
                            expected.size(),
                            Duration.ofSeconds(60),
                            Duration.ofSeconds(2))
                    .counts();
            assertEquals(List.of(), KafkaTestKit.exactlyOnceProblems(expected, seen));
            long fromA = a.metrics().recordsOut();
            long fromB = b.metrics().recordsOut();
            System.out.printf(
                    "two instances: A owns %d tasks and produced %d, B owns %d and produced %d, of %d%n",
                    activeTasks(a), fromA, activeTasks(b), fromB, expected.size());
            assertTrue(fromA > 0 && fromB > 0, "both instances worked: " + fromA + " + " + fromB);
            assertEquals(expected.size(), fromA + fromB, "no window labelled by both");
        }
    }

    private static int activeTasks(TeacherService service) {
        KafkaStreams streams = service.streams();
        return streams.metadataForLocalThreads().stream()
                .map(ThreadMetadata::activeTasks)
                .mapToInt(Set::size)
                .sum();
    }

    private HttpResponse<String> get(int port, String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            Thread.sleep(100);
        }
    }
}
