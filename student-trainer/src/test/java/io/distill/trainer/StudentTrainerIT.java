package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.lm.codec.Sampled;
import io.distill.lm.codec.TopK;
import io.distill.lm.model.LmConfig;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.schemas.CheckpointPublished;
import io.distill.schemas.DeadLetter;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TeacherIdentity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The trainer against a real broker, with a tiny model as stand-in teacher. Each test has its own topics. */
@ExtendWith(KafkaBrokerExtension.class)
class StudentTrainerIT {
    private static final LmConfig TINY = LmConfig.named("tiny");
    private final EmbeddedKafkaBroker broker;

    StudentTrainerIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void badRecordsGoToTheDeadLetterTopicWithTheirReasonAndTrainingGoesOn(@TempDir Path dir) throws Exception {
        String topic = "dlq-labels";
        SoftLabelStream.createTopic(broker.bootstrapServers(), topic, 1);
        List<SoftLabels> good = SoftLabelStream.label(SoftLabelStream.documents(6, 120, 1), 60, new TopK(8), 2f);
        SoftLabels nan =
                SoftLabels.newBuilder(good.get(0)).setSampleId("poison").build();
        nan.setPayload(SoftLabelReaderTest.withNanTail(nan.getPayload(), 8));
        byte[] nanBytes = SoftLabelStream.SERDE.encode(nan);
        byte[] garbage = "not avro at all".getBytes(StandardCharsets.UTF_8);
        List<ProducerRecord<byte[], byte[]>> raw = new ArrayList<>();
        for (int i = 0; i < good.size(); i++) {
            raw.add(new ProducerRecord<>(topic, null, SoftLabelStream.SERDE.encode(good.get(i))));
            if (i == 2) {
                raw.add(new ProducerRecord<>(topic, "poison".getBytes(StandardCharsets.UTF_8), nanBytes));
                raw.add(new ProducerRecord<>(topic, null, garbage));
            }
        }
        SoftLabelStream.produceRaw(broker.bootstrapServers(), raw, true);

        TrainerConfig config =
                config("dlq-student", TINY, topic, dir).holdout(0, 16).build();
        try (RunningTrainer running = RunningTrainer.start(config)) {
            running.await(
                    "all records",
                    Duration.ofSeconds(60),
                    () -> running.metrics().windowsTrained() + running.metrics().deadLetters() == good.size() + 2);
            assertEquals(1, running.metrics().deadLetters("NON_FINITE"));
            assertEquals(1, running.metrics().deadLetters("NOT_AVRO"));
        }
        List<ConsumerRecord<byte[], byte[]>> letters =
                SoftLabelStream.read(broker.bootstrapServers(), config.deadLetterTopic(), 2, Duration.ofSeconds(30));
        assertEquals(2, letters.size());
        ConsumerRecord<byte[], byte[]> poison = letters.get(0);
        assertEquals("trainer", DeadLetter.header(poison.headers(), DeadLetter.STAGE));
        assertEquals("NON_FINITE", DeadLetter.header(poison.headers(), DeadLetter.REASON));
        assertEquals(topic, DeadLetter.header(poison.headers(), DeadLetter.SOURCE_TOPIC));
        assertEquals("3", DeadLetter.header(poison.headers(), DeadLetter.SOURCE_OFFSET));
        assertTrue(Arrays.equals(nanBytes, poison.value()), "the original bytes, untouched");
        assertEquals("poison", new String(poison.key(), StandardCharsets.UTF_8));
        assertEquals("NOT_AVRO", DeadLetter.header(letters.get(1).headers(), DeadLetter.REASON));
        assertTrue(Arrays.equals(garbage, letters.get(1).value()));
    }

    @Test
    void aRecordFromAnotherTokenizerStopsTheTrainerWithBothSidesNamed(@TempDir Path dir) throws Exception {
        String topic = "mismatch-labels";
        SoftLabelStream.createTopic(broker.bootstrapServers(), topic, 1);
        List<SoftLabels> records =
                new ArrayList<>(SoftLabelStream.label(SoftLabelStream.documents(2, 60, 2), 60, new TopK(4), 1f));
        SoftLabels foreign = SoftLabels.newBuilder(records.get(0))
                .setSampleId("foreign")
                .setTeacher(TeacherIdentity.newBuilder(records.get(0).getTeacher())
                        .setModelId("gpt2")
                        .setTokenizerId("gpt2-bpe")
                        .setTokenizerChecksum("b".repeat(64))
                        .setVocabSize(50257)
                        .build())
                .build();
        records.add(foreign);
        SoftLabelStream.produce(broker.bootstrapServers(), topic, records);

        RunningTrainer running = RunningTrainer.start(
                config("mismatch-student", TINY, topic, dir).holdout(0, 16).build());
        Throwable failure = running.awaitFailure(Duration.ofSeconds(60));
        UnusableStreamException e = assertInstanceOf(UnusableStreamException.class, failure);
        assertTrue(e.getMessage().contains("gpt2-bpe") && e.getMessage().contains("vocab 50257"), e.getMessage());
        assertTrue(e.getMessage().contains(ByteTokenizer.ID) && e.getMessage().contains("vocab 259"), e.getMessage());
        assertTrue(e.getMessage().contains("@2"), "names the record's offset: " + e.getMessage());
    }

    @Test
    void heldOutAndAbortedWindowsNeverReachATrainingBatchAndEveryOtherWindowTrainsOnce(@TempDir Path dir)
            throws Exception {
        String topic = "holdout-labels";
        SoftLabelStream.createTopic(broker.bootstrapServers(), topic, 3);
        List<SoftLabels> records =
                SoftLabelStream.label(SoftLabelStream.documents(60, 150, 3), 60, new Sampled(12), 1.5f);
        SoftLabelStream.produce(broker.bootstrapServers(), topic, records.subList(0, 100));
        List<SoftLabels> aborted =
                SoftLabelStream.label(SoftLabelStream.documents(3, 100, 99), 60, new Sampled(12), 1.5f);
        aborted.forEach(s -> s.setSampleId("aborted-" + s.getSampleId()));
        SoftLabelStream.produce(broker.bootstrapServers(), topic, List.of());
        SoftLabelStream.produceRaw(
                broker.bootstrapServers(),
                aborted.stream()
                        .map(s -> new ProducerRecord<byte[], byte[]>(topic, SoftLabelStream.SERDE.encode(s)))
                        .toList(),
                false);
        SoftLabelStream.produce(broker.bootstrapServers(), topic, records.subList(100, records.size()));

        Holdout holdout = new Holdout(25);
        Set<String> expected = new HashSet<>();
        int heldOut = 0;
        for (SoftLabels s : records) {
            if (holdout.isHeldOut(s.getSampleId())) {
                heldOut++;
            } else {
                expected.add(s.getSampleId() + "#" + s.getWindow());
            }
        }
        assertTrue(heldOut > 10 && expected.size() > 100, "a real split: " + heldOut + " held out");
        Path log = dir.resolve("trained.log");
        TrainerConfig config = config("holdout-student", TINY, topic, dir)
                .holdout(25, 64)
                .trainedLog(log)
                .build();
        int held = heldOut;
        try (RunningTrainer running = RunningTrainer.start(config)) {
            running.await(
                    "every record",
                    Duration.ofSeconds(90),
                    () -> running.metrics().windowsTrained() + running.metrics().heldOutRecords() >= records.size());
            assertEquals(held, running.metrics().heldOutRecords());
        }
        List<String> trained = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            String[] f = line.split("\t");
            trained.add(f[1] + "#" + f[2]);
        }
        assertEquals(expected.size(), trained.size(), "no window trained twice");
        assertEquals(expected, new HashSet<>(trained), "every non-held-out window, and no other");
        // The published checkpoint was evaluated on the held-out windows.
        List<ConsumerRecord<byte[], byte[]>> announced =
                SoftLabelStream.read(broker.bootstrapServers(), config.checkpointsTopic(), 1, Duration.ofSeconds(30));
        CheckpointPublished last = DistillSerdes.checkpointPublished()
                .decode(announced.get(announced.size() - 1).value());
        Map<String, Double> metrics = last.getMetrics();
        assertEquals(Math.min(64, held), metrics.get("holdout_windows"));
        assertTrue(metrics.get("holdout_bits_per_byte") > 0 && metrics.get("teacher_bits_per_byte") > 0, "" + metrics);
        assertTrue(!metrics.containsKey("kl_to_teacher"), "no KL from a sampled codec");
    }

    @Test
    void twoStudentsOfDifferentSizesLearnFromOneStream(@TempDir Path dir) throws Exception {
        String topic = "shared-labels";
        SoftLabelStream.createTopic(broker.bootstrapServers(), topic, 2);
        List<SoftLabels> records = SoftLabelStream.label(SoftLabelStream.documents(240, 200, 4), 64, new TopK(16), 2f);
        SoftLabelStream.produce(broker.bootstrapServers(), topic, records);
        LmConfig larger = LmConfig.gpt(2, 4, 64, 64, ByteTokenizer.VOCAB_SIZE, 0f);
        try (RunningTrainer small = RunningTrainer.start(
                        config("small", TINY, topic, dir.resolve("small")).build());
                RunningTrainer big = RunningTrainer.start(
                        config("big", larger, topic, dir.resolve("big")).build())) {
            float[] firstSmall = firstLosses(small);
            float[] firstBig = firstLosses(big);
            // Two trainers in one JVM: a slow CI machine took over 120 s here while a quiet one takes 10 s; the
            // bound only ends a stuck run.
            for (RunningTrainer r : List.of(small, big)) {
                r.await(
                        "the whole stream",
                        Duration.ofSeconds(300),
                        () -> r.metrics().windowsTrained() + r.metrics().heldOutRecords() >= records.size());
            }
            assertFell("small", firstSmall, small);
            assertFell("big", firstBig, big);
        }
    }

    /** KD and CE of the first step. */
    private static float[] firstLosses(RunningTrainer r) throws InterruptedException {
        r.await("a first step", Duration.ofSeconds(60), () -> r.metrics().step() >= 1);
        return new float[] {r.metrics().lastKd(), r.metrics().lastCe()};
    }

    private static void assertFell(String who, float[] first, RunningTrainer r) {
        float kd = r.metrics().lastKd();
        float ce = r.metrics().lastCe();
        assertTrue(kd < 0.8f * first[0], who + ": KD " + first[0] + " -> " + kd);
        assertTrue(ce < 0.8f * first[1], who + ": CE " + first[1] + " -> " + ce);
    }

    private TrainerConfig.Builder config(String student, LmConfig model, String topic, Path dir) {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", broker.bootstrapServers());
        return TrainerConfig.builder(student, model, kafka, dir)
                .topics(topic, topic + ".checkpoints", topic + ".dead-letters")
                .batch(8, Duration.ofMillis(200))
                .learningRate(3e-3f, 5)
                .checkpointEvery(20, Duration.ofMinutes(1), 2)
                .progressEvery(Duration.ofSeconds(2));
    }
}
