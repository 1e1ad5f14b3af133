package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.lm.Autograd;
import io.distill.lm.artifact.ModelBundle;
import io.distill.lm.model.Gpt;
import io.distill.lm.tokenize.Tokenizer;
import io.distill.lm.tokenize.Tokenizers;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real models in, real models out, on the real broker: a tiny random Llama with the real Llama 2-kind tokenizer
 * labels fed text through `distill teacher`; `distill train --init-from-teacher --layers 0,2` trains a depth-pruned
 * student from those labels and publishes it; `distill checkpoints pull --format hf` writes it as a Hugging Face
 * directory, which the independent PyTorch reference loads with the same logits as distill.
 */
@ExtendWith(KafkaBrokerExtension.class)
class HfDistillationIT {
    private static final String TEXT = "hf-it.text";
    private static final String LABELS = "hf-it.soft-labels";
    private static final String CHECKPOINTS = "hf-it.checkpoints";

    private final EmbeddedKafkaBroker broker;

    HfDistillationIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void llamaTeacherDistilsIntoAPrunedStudentExportedAsHuggingFace(@TempDir Path dir) throws Exception {
        Path teacherDir = HfFixtures.tinyLlama(dir.resolve("teacher"), 4, 11);
        List<String> lines = CliRun.feedLines(
                broker.bootstrapServers(),
                TEXT,
                dir.resolve("text.txt"),
                12,
                ": the log remembers what the teacher said, ünïcödé and 日本語 too.");

        TeacherInThread teacher = new TeacherInThread(
                "--bootstrap",
                broker.bootstrapServers(),
                "--model",
                teacherDir.toString(),
                "--precision",
                "fp32",
                "--context",
                "32",
                "--http-port",
                "0",
                "--application-id",
                "hf-it",
                "--input-topic",
                TEXT,
                "--output-topic",
                LABELS,
                "--dead-letter-topic",
                "hf-it.dead-letters");
        TrainerInThread trainer;
        int teacherExit;
        Path checkpoints = dir.resolve("checkpoints");
        try (Tokenizer tokenizer = Tokenizers.forModelDir(teacherDir)) {
            var records = TopicReader.read(broker.bootstrapServers(), LABELS, lines.size(), Duration.ofSeconds(120));
            assertEquals(lines.size(), records.size(), teacher.err()); // one window per short line
            SoftLabels first = DistillSerdes.softLabels().decode(records.get(0).value());
            assertEquals(tokenizer.id(), first.getTeacher().getTokenizerId());
            assertEquals(tokenizer.checksum(), first.getTeacher().getTokenizerChecksum());
            assertEquals(tokenizer.bos().getAsInt(), first.getTokens().get(0)); // Llama 2 documents start with BOS

            trainer = new TrainerInThread(QuickTrainArgs.of(
                    broker.bootstrapServers(),
                    LABELS,
                    CHECKPOINTS,
                    checkpoints,
                    "hf-student",
                    "--init-from-teacher",
                    teacherDir.toString(),
                    "--layers",
                    "0,2",
                    "--holdout-percent",
                    "10"));
            trainer.awaitCheckpoint(checkpoints, "hf-student", Duration.ofSeconds(120)); // a checkpoint every 2 steps
        } finally {
            teacherExit = teacher.stop();
        }
        trainer.stop(); // finish the step, checkpoint, publish

        Path pulled = dir.resolve("pulled");
        CliRun pull = CliRun.of(
                "checkpoints",
                "pull",
                "--bootstrap",
                broker.bootstrapServers(),
                "--checkpoints-topic",
                CHECKPOINTS,
                "--student",
                "hf-student",
                "--out",
                pulled.toString(),
                "--format",
                "hf");
        assertEquals(0, pull.exitCode(), pull.err());
        Path bundle;
        try (Stream<Path> versions = Files.list(pulled.resolve("hf-student"))) {
            bundle = versions.filter(p -> !p.getFileName().toString().endsWith("-hf"))
                    .findFirst()
                    .orElseThrow();
        }
        Path hf = bundle.resolveSibling(bundle.getFileName() + "-hf");
        assertArrayEquals(
                Files.readAllBytes(teacherDir.resolve("tokenizer.json")),
                Files.readAllBytes(hf.resolve("tokenizer.json")));
        assertTrue(
                Files.readString(hf.resolve("config.json")).contains("\"num_hidden_layers\": 2,"),
                Files.readString(hf.resolve("config.json")));

        int[] ids = {1, 450, 1480, 29871, 30325, 31022, 322, 263, 9508, 29889};
        float[] reference = HfFixtures.logits(hf, ids, dir);
        try (NDManager manager = NDManager.newBaseManager();
                Autograd.NoGrad noGrad = Autograd.noGrad()) {
            Gpt student = ModelBundle.load(bundle, manager);
            assertEquals(2, student.config().layers());
            long[] input = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                input[i] = ids[i];
            }
            NDArray logits = student.logits(
                    new ParameterStore(manager, false), manager.create(input, new Shape(1, ids.length)), false);
            float[] ours = logits.toFloatArray();
            assertEquals(reference.length, ours.length);
            float maxDiff = 0;
            for (int i = 0; i < ours.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(ours[i] - reference[i]));
            }
            assertTrue(maxDiff <= 1e-4f, "distill vs the PyTorch reference on the exported student: " + maxDiff);
        }
        // the pulled bundle runs as it is too, with the tokenizer it carries: greedy ids as the reference's
        String prompt = "The log";
        try (Tokenizer tokenizer = Tokenizers.forModelDir(hf)) {
            int[] expected = HfFixtures.greedy(hf, tokenizer.encodeDocument(prompt), 5);
            CliRun generate = CliRun.of(
                    "generate",
                    "--model",
                    bundle.toString(),
                    "--prompt",
                    prompt,
                    "--temperature",
                    "0",
                    "--tokens",
                    "5");
            assertEquals(0, generate.exitCode(), generate.err());
            assertEquals(prompt + tokenizer.decodeText(expected), generate.out().strip());
        }
        assertEquals(0, teacherExit, teacher.err());
    }
}
