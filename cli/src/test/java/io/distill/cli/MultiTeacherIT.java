package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.lm.train.TrainingState;
import io.distill.schemas.CheckpointPublished;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two teachers of different tokenizers (a tiny random GPT-2 and a tiny random Llama with the real GPT-2 and Llama 2
 * tokenizers) label the same text through `distill teacher --project bytes` on the real broker; one byte-level
 * student trains on their mixture with `--teachers`, and its announced checkpoint names both teachers and weights.
 */
@ExtendWith(KafkaBrokerExtension.class)
class MultiTeacherIT {
    private static final String TEXT = "multi-it.text";
    private static final String LABELS = "multi-it.soft-labels";
    private static final String CHECKPOINTS = "multi-it.checkpoints";

    private final EmbeddedKafkaBroker broker;

    MultiTeacherIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void aByteStudentTrainsOnTheMixtureOfTwoTokenizersTeachers(@TempDir Path dir) throws Exception {
        Path gpt2 = HfFixtures.tinyGpt2(dir.resolve("gpt2-tiny"), 1, 5);
        Path llama = HfFixtures.tinyLlama(dir.resolve("llama-tiny"), 1, 7);
        List<String> lines = CliRun.feedLines(
                broker.bootstrapServers(),
                TEXT,
                dir.resolve("text.txt"),
                6,
                ": two teachers, two tokenizers, one byte student; ünïcödé too.");

        TeacherInThread first = teacher(gpt2, "multi-it-gpt2");
        TeacherInThread second = teacher(llama, "multi-it-llama");
        Map<String, List<Long>> offsets = new HashMap<>();
        try {
            var records =
                    TopicReader.read(broker.bootstrapServers(), LABELS, 2 * lines.size(), Duration.ofSeconds(120));
            assertEquals(2 * lines.size(), records.size(), first.err() + second.err()); // a window per line each
            for (var record : records) {
                SoftLabels labels = DistillSerdes.softLabels().decode(record.value());
                offsets.computeIfAbsent(labels.getTeacher().getModelId(), k -> new ArrayList<>())
                        .add(labels.getByteOffset());
            }
        } finally {
            assertEquals(0, first.stop(), first.err());
            assertEquals(0, second.stop(), second.err());
        }
        // Llama 2 labels from byte 0 (after BOS); GPT-2 has no BOS, so its first token ("Line") is context only
        assertEquals(List.of(0L), offsets.get("llama-tiny").stream().distinct().toList());
        assertEquals(List.of(4L), offsets.get("gpt2-tiny").stream().distinct().toList());

        Path checkpoints = dir.resolve("checkpoints");
        TrainerInThread trainer = new TrainerInThread(QuickTrainArgs.of(
                broker.bootstrapServers(),
                LABELS,
                CHECKPOINTS,
                checkpoints,
                "mixed",
                "--size",
                "tiny",
                "--teachers",
                "gpt2-tiny=1,llama-tiny=3",
                "--holdout-percent",
                "0"));
        trainer.awaitCheckpoint(checkpoints, "mixed", Duration.ofSeconds(120));
        trainer.stop();

        var announced = TopicReader.read(broker.bootstrapServers(), CHECKPOINTS, 1, Duration.ofSeconds(30));
        CheckpointPublished last = DistillSerdes.checkpointPublished()
                .decode(announced.get(announced.size() - 1).value());
        assertEquals(0.25, last.getMetrics().get("teacher_weight.gpt2-tiny"), 1e-9);
        assertEquals(0.75, last.getMetrics().get("teacher_weight.llama-tiny"), 1e-9);
        assertTrue(last.getTokensSeen() > 0);
        try (var steps = Files.list(checkpoints.resolve("training/mixed"))) {
            Path step = steps.filter(p -> p.getFileName().toString().startsWith("step-"))
                    .findFirst()
                    .orElseThrow();
            TrainingState state = TrainingState.fromJson(Files.readAllBytes(step.resolve(TrainingState.FILE)));
            assertEquals(Map.of("gpt2-tiny", 0.25, "llama-tiny", 0.75), state.teachers());
        }
    }

    private TeacherInThread teacher(Path model, String applicationId) throws Exception {
        return new TeacherInThread(
                "--bootstrap",
                broker.bootstrapServers(),
                "--model",
                model.toString(),
                "--project",
                "bytes",
                "--precision",
                "fp32",
                "--context",
                "64",
                "--http-port",
                "0",
                "--application-id",
                applicationId,
                "--input-topic",
                TEXT,
                "--output-topic",
                LABELS,
                "--dead-letter-topic",
                "multi-it.dead-letters");
    }
}
