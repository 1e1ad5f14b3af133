package io.distill.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.lm.codec.TopK;
import io.distill.lm.eval.Sampler;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.schemas.CheckpointPublished;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TextLabeler;
import io.distill.trainer.ArtifactStore;
import io.distill.trainer.StudentTrainer;
import io.distill.trainer.TrainerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on a real broker: a stand-in teacher's soft labels, the student trainer publishing over HTTP, and the
 * client following the announcements, hot-reloading each version, and generating text with the newest; and
 * artifacts in Kafka, pulled after the trainer has stopped and its files are gone.
 */
@ExtendWith(KafkaBrokerExtension.class)
class CheckpointClientIT {
    private final EmbeddedKafkaBroker broker;

    CheckpointClientIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void publishedCheckpointsArePulledVerifiedHotReloadedAndGenerate(@TempDir Path dir) throws Exception {
        String topic = "e2e-labels";
        int records = produceSoftLabels(topic);
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", broker.bootstrapServers());
        TrainerConfig config = TrainerConfig.builder("e2e", LmConfig.named("tiny"), kafka, dir.resolve("trainer"))
                .topics(topic, "e2e.checkpoints", "e2e.dead-letters")
                .batch(8, Duration.ofMillis(200))
                .learningRate(3e-3f, 5)
                .checkpointEvery(4, Duration.ofMinutes(1), 3)
                .http(0, "127.0.0.1")
                .holdout(20, 32)
                .artifacts(new ArtifactStore(ArtifactStore.Kind.HTTP, "e2e.artifacts", 5, 1L << 30))
                .build();

        List<LoadedModel> delivered = new CopyOnWriteArrayList<>();
        List<Exception> errors = new CopyOnWriteArrayList<>();
        CheckpointClient follower = new CheckpointClient(kafka, config.checkpointsTopic(), dir.resolve("client"));
        Thread following = new Thread(() -> follower.followModels("e2e", delivered::add, errors::add), "follower");

        StudentTrainer trainer = new StudentTrainer(config);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread training = startTraining(trainer, failure);
        try {
            await(
                    "every record",
                    () -> trainer.metrics().windowsTrained() + trainer.metrics().heldOutRecords() >= records);
            await("a published checkpoint", () -> trainer.metrics().checkpointsPublished() >= 2);
            following.start();

            // What `distill checkpoints list` shows: the newest announcement, served by the trainer over HTTP.
            CheckpointClient client = new CheckpointClient(kafka, config.checkpointsTopic(), dir.resolve("pulled"));
            Map<String, CheckpointPublished> latest = client.latest(Optional.empty(), Duration.ofSeconds(30));
            CheckpointPublished newest = latest.get("e2e");
            int port = trainer.httpPort().orElseThrow();
            assertEquals("http://127.0.0.1:" + port + "/checkpoints/e2e/" + newest.getVersion(), newest.getUri());
            assertEquals(io.distill.schemas.WeightFormat.FP16, newest.getFormat());
            assertTrue(newest.getMetrics().containsKey("holdout_bits_per_byte"), "" + newest.getMetrics());

            try (LoadedModel model = client.load(newest)) {
                assertEquals(LmConfig.named("tiny"), model.model().config());
                int[] prompt = ByteTokenizer.get().encode("the ");
                int[] out = new Sampler(model.model(), model.manager())
                        .generate(prompt, 40, 0.8f, 20, new SplittableRandom(1));
                String text = ByteTokenizer.get().decodeText(out);
                System.out.println(
                        "generated by " + newest.getStudent() + " v" + newest.getVersion() + ": the " + text);
                assertTrue(out.length > 0);
            }

            // Hot reload: the follower got the newest version and holds only that one open.
            await(
                    "the follower's model",
                    () -> !delivered.isEmpty()
                            && delivered.get(delivered.size() - 1).version() == newest.getVersion());
            assertEquals(List.of(), errors);
            for (int i = 0; i + 1 < delivered.size(); i++) {
                assertFalse(delivered.get(i).manager().isOpen(), "replaced models are freed");
            }
            assertTrue(delivered.get(delivered.size() - 1).manager().isOpen());

            // A corrupted artifact is refused with a clear error, over HTTP as over file://.
            Path artifact = config.publishedRoot().resolve("e2e").resolve(newest.getVersion() + ".zip");
            byte[] bytes = Files.readAllBytes(artifact);
            bytes[bytes.length / 3] ^= 0x10;
            Files.write(artifact, bytes);
            CheckpointRefusedException refused =
                    assertThrows(CheckpointRefusedException.class, () -> client.load(newest));
            assertTrue(refused.getMessage().contains("sha256"), refused.getMessage());
        } finally {
            follower.close();
            following.join(30_000);
            delivered.forEach(LoadedModel::close);
            trainer.stop();
            training.join(60_000);
        }
        if (failure.get() != null) {
            throw new AssertionError("trainer failed", failure.get());
        }
    }

    @Test
    void checkpointsInKafkaOutliveTheTrainerAndOlderVersionsGetTombstones(@TempDir Path dir) throws Exception {
        String topic = "outlive-labels";
        int records = produceSoftLabels(topic);
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", broker.bootstrapServers());
        TrainerConfig config = TrainerConfig.builder("outlive", LmConfig.named("tiny"), kafka, dir.resolve("trainer"))
                .topics(topic, "outlive.checkpoints", "outlive.dead-letters")
                .batch(8, Duration.ofMillis(200))
                .learningRate(3e-3f, 5)
                .checkpointEvery(2, Duration.ofMinutes(1), 3)
                .holdout(20, 32)
                .artifacts(new ArtifactStore(ArtifactStore.Kind.KAFKA, "outlive.artifacts", 2, 1L << 30))
                .build();
        StudentTrainer trainer = new StudentTrainer(config);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread training = startTraining(trainer, failure);
        try {
            await(
                    "every record",
                    () -> trainer.metrics().windowsTrained() + trainer.metrics().heldOutRecords() >= records);
            await("three published checkpoints", () -> trainer.metrics().checkpointsPublished() >= 3);
        } finally {
            trainer.stop();
            training.join(60_000);
        }
        if (failure.get() != null) {
            throw new AssertionError("trainer failed", failure.get());
        }
        deleteRecursively(config.publishedRoot()); // nothing of the trainer's is left to download from

        List<CheckpointPublished> announced = everyAnnouncement(kafka, config.checkpointsTopic());
        CheckpointClient client = new CheckpointClient(kafka, config.checkpointsTopic(), dir.resolve("pulled"));
        CheckpointPublished newest =
                client.latest(Optional.of("outlive"), Duration.ofSeconds(30)).get("outlive");
        assertTrue(
                newest.getUri().startsWith("kafka://outlive.artifacts/outlive/" + newest.getVersion() + "?"),
                newest.getUri());
        try (LoadedModel model = client.load(newest)) {
            assertEquals(LmConfig.named("tiny"), model.model().config());
        }
        // --keep-published 2: every version but the newest two got tombstones, in the transaction of a later one.
        List<Long> versions =
                announced.stream().map(CheckpointPublished::getVersion).toList();
        assertTrue(versions.size() >= 3, "versions " + versions);
        List<String> tombstoned = everyRecord(kafka, "outlive.artifacts").stream()
                .filter(r -> r.value() == null)
                .map(r -> new String(r.key(), StandardCharsets.UTF_8))
                .toList();
        List<String> expected = versions.subList(0, versions.size() - 2).stream()
                .map(v -> "outlive/" + v + "/0")
                .toList();
        assertEquals(expected, tombstoned);
    }

    /** Runs {@code trainer} in a thread of its own; what it throws goes to {@code failure}. */
    private static Thread startTraining(StudentTrainer trainer, AtomicReference<Throwable> failure) {
        Thread training = new Thread(
                () -> {
                    try {
                        trainer.run();
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                },
                "trainer");
        training.start();
        return training;
    }

    /** Every announcement on {@code topic} in order, read_committed, before compaction thins them out. */
    private static List<CheckpointPublished> everyAnnouncement(Properties kafka, String topic) {
        return everyRecord(kafka, topic).stream()
                .map(r -> DistillSerdes.checkpointPublished().decode(r.value()))
                .toList();
    }

    /** Every committed record of partition 0 of {@code topic}, in order. */
    private static List<ConsumerRecord<byte[], byte[]>> everyRecord(Properties kafka, String topic) {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put("isolation.level", "read_committed");
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                consumer.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        return all;
    }

    private static void deleteRecursively(Path root) throws java.io.IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Labels 40 short documents with a tiny stand-in teacher and sends them; returns the number of records. */
    private int produceSoftLabels(String topic) {
        List<SoftLabels> labels = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            TextLabeler teacher = new TextLabeler(
                    new TeacherModel(Gpt.create(LmConfig.named("tiny"), manager), "stand-in", "1"), new TopK(8), 2f);
            for (int i = 0; i < 40; i++) {
                String text = ("the student learns from the teacher, sample " + i + ". ").repeat(4);
                labels.addAll(teacher.label("doc-" + i, text, 64));
            }
        }
        var serde = DistillSerdes.softLabels();
        Map<String, Object> props = Map.of("bootstrap.servers", broker.bootstrapServers(), "acks", "all");
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (SoftLabels s : labels) {
                producer.send(
                        new ProducerRecord<>(topic, s.getSampleId().getBytes(StandardCharsets.UTF_8), serde.encode(s)));
            }
        }
        return labels.size();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
