package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.lm.codec.TopK;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.train.Divergence;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.TextSample;
import io.distill.teacher.TeacherConfig;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TeacherService;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * On-policy distillation end to end on a real broker: the real teacher service labels the text topic, the trainer
 * with {@code --on-policy} writes its own samples there, and trains on their labels only while they are at most
 * {@code --max-policy-lag} versions old.
 */
@ExtendWith(KafkaBrokerExtension.class)
class OnPolicyIT {
    private static final String STUDENT = "onp";
    private static final long MAX_LAG = 5;
    private final EmbeddedKafkaBroker broker;

    OnPolicyIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void theStudentsSamplesGoThroughTheTeacherAndAreTrainedOnWhileFreshAndSkippedWhenStale(@TempDir Path dir)
            throws Exception {
        String text = "onp.text";
        String labels = "onp.soft-labels";
        for (String topic : List.of(text, labels, "onp.dead-letters")) {
            SoftLabelStream.createTopic(broker.bootstrapServers(), topic, 1);
        }
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", broker.bootstrapServers());
        Path log = dir.resolve("trained.log");
        TrainerConfig config = TrainerConfig.builder(STUDENT, LmConfig.named("tiny"), kafka, dir)
                .topics(labels, "onp.checkpoints", "onp.dead-letters")
                .batch(4, Duration.ofMillis(200))
                .learningRate(3e-3f, 5)
                .loss(Divergence.parse("jsd:0.5"))
                .holdout(0, 16)
                .checkpointEvery(0, Duration.ofMinutes(5), 2)
                .trainedLog(log)
                .onPolicy(Optional.of(new OnPolicy(0.5, 24, 1f, MAX_LAG, text)))
                .build();
        TeacherConfig teacherConfig = TeacherConfig.builder()
                .inputTopic(text)
                .outputTopic(labels)
                .deadLetterTopic("onp.dead-letters")
                .codec(new TopK(8))
                .context(64)
                .maxBatch(8)
                .maxWait(Duration.ofMillis(100))
                .build();
        List<String[]> docs = SoftLabelStream.documents(30, 120, 7);
        send(text, docs.stream().map(d -> sample(d[0], d[1], "test")).toList());

        try (NDManager manager = NDManager.newBaseManager();
                TeacherService teacher =
                        new TeacherService(new TeacherService.Options("onp-teacher", teacherConfig, kafka, 0))) {
            Engine.getInstance().setRandomSeed(42);
            teacher.start(new TeacherModel(Gpt.create(LmConfig.named("tiny"), manager), "tiny-teacher", "1"));
            try (RunningTrainer running = RunningTrainer.start(config)) {
                OnPolicyMetrics onPolicy = running.metrics().onPolicy();
                running.await(
                        "own samples trained on",
                        Duration.ofSeconds(120),
                        () -> onPolicy.onPolicyTokens() > 0 && running.metrics().step() > MAX_LAG);
                assertTrue(onPolicy.samplesProduced() > 0);

                // Labels of a sample written at version 0 come back when the student is past version MAX_LAG.
                long before = onPolicy.samplesSkipped();
                send(text, List.of(sample(PolicyLag.sampleId(STUDENT, 0, "stale"), docs.get(0)[1], "test")));
                running.await(
                        "the stale sample skipped", Duration.ofSeconds(60), () -> onPolicy.samplesSkipped() > before);
                // One written at the current version is fresh when it comes back (the student is idle by now).
                long now = running.metrics().step();
                String fresh = PolicyLag.sampleId(STUDENT, now, "fresh");
                send(text, List.of(sample(fresh, docs.get(1)[1], "test")));
                running.await("the fresh sample trained", Duration.ofSeconds(60), () -> trained(log).stream()
                        .anyMatch(l -> l[1].equals(fresh)));
                assertTrue(onPolicy.onPolicyRatio() > 0 && onPolicy.onPolicyRatio() < 1, "" + onPolicy.onPolicyRatio());
                assertTrue(running.metrics().prometheus().contains("distill_trainer_on_policy_ratio{"));
            }
        }

        List<String[]> trained = trained(log);
        assertFalse(
                trained.stream().anyMatch(l -> l[1].endsWith("/stale")), "a sample older than K is never trained on");
        List<String[]> own = trained.stream()
                .filter(l -> l[1].startsWith("student:" + STUDENT + "@") && !l[1].endsWith("/fresh"))
                .toList();
        assertFalse(own.isEmpty(), "the trainer's own samples, labelled by the teacher, were trained on");
        for (String[] l : own) {
            OptionalLong version = PolicyLag.version(l[1], STUDENT);
            // read at most MAX_LAG versions after it was written, trained by the step after at the latest
            long lag = Long.parseLong(l[0]) - version.getAsLong();
            assertTrue(lag >= 1 && lag <= MAX_LAG + 1, "trained at step " + l[0] + ": " + l[1]);
        }
        List<ConsumerRecord<byte[], byte[]>> written =
                SoftLabelStream.read(broker.bootstrapServers(), text, docs.size() + 3, Duration.ofSeconds(30));
        List<TextSample> samples = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : written) {
            TextSample s = DistillSerdes.textSample().decode(r.value());
            if (s.getSource().startsWith("student:")) {
                samples.add(s);
            }
        }
        assertTrue(samples.size() >= 3, "samples on the text topic: " + samples.size());
        for (TextSample s : samples) {
            if (s.getId().endsWith("/stale") || s.getId().endsWith("/fresh")) {
                continue;
            }
            assertTrue(s.getId().startsWith(s.getSource() + "/"), s.getId() + " from " + s.getSource());
            assertEquals(
                    s.getSource(),
                    PolicyLag.source(
                            STUDENT, PolicyLag.version(s.getId(), STUDENT).getAsLong()));
        }
    }

    private static TextSample sample(String id, String text, String source) {
        return TextSample.newBuilder()
                .setId(id)
                .setText(text)
                .setSource(source)
                .setCreatedAt(Instant.now())
                .build();
    }

    private void send(String topic, List<TextSample> samples) {
        SoftLabelStream.produceRaw(
                broker.bootstrapServers(),
                samples.stream()
                        .map(s -> new ProducerRecord<>(
                                topic,
                                s.getId().getBytes(StandardCharsets.UTF_8),
                                DistillSerdes.textSample().encode(s)))
                        .toList(),
                true);
    }

    /** The trained log's lines: step, sample id, window. */
    private static List<String[]> trained(Path log) {
        List<String> lines;
        try {
            lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return lines.stream()
                .filter(l -> !l.startsWith("#"))
                .map(l -> l.split("\t"))
                .toList();
    }
}
