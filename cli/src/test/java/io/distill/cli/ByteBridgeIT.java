package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.tokenize.Tokenizer;
import io.distill.lm.tokenize.Tokenizers;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The byte bridge on the real broker: a tiny random Llama with the real Llama 2 tokenizer labels text through
 * `distill teacher --project bytes`; a byte-level student (`distill train --size tiny`, the default byte tokenizer)
 * trains from those records and checkpoints, while a student with the teacher's own tokenizer refuses them.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ByteBridgeIT {
    private static final String TEXT = "bytes-it.text";
    private static final String LABELS = "bytes-it.soft-labels";
    private static final String CHECKPOINTS = "bytes-it.checkpoints";

    private final EmbeddedKafkaBroker broker;

    ByteBridgeIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void projectedLabelsTrainAByteStudentAndATokenStudentRefusesThem(@TempDir Path dir) throws Exception {
        Path teacherDir = HfFixtures.tinyLlama(dir.resolve("teacher"), 2, 11);
        List<String> lines = CliRun.feedLines(
                broker.bootstrapServers(),
                TEXT,
                dir.resolve("text.txt"),
                8,
                ": a byte student learns from a Llama teacher, ünïcödé and 日本語 too.");

        TeacherInThread teacher = new TeacherInThread(
                "--bootstrap",
                broker.bootstrapServers(),
                "--model",
                teacherDir.toString(),
                "--project",
                "bytes",
                "--precision",
                "fp32",
                "--context",
                "64",
                "--http-port",
                "0",
                "--application-id",
                "bytes-it",
                "--input-topic",
                TEXT,
                "--output-topic",
                LABELS,
                "--dead-letter-topic",
                "bytes-it.dead-letters");
        Path checkpoints = dir.resolve("checkpoints");
        int teacherExit;
        try (Tokenizer llama = Tokenizers.forModelDir(teacherDir)) {
            var records = TopicReader.read(broker.bootstrapServers(), LABELS, lines.size(), Duration.ofSeconds(120));
            assertEquals(lines.size(), records.size(), teacher.err()); // one window per short line
            for (var record : records) {
                SoftLabels labels = DistillSerdes.softLabels().decode(record.value());
                assertEquals(ByteTokenizer.ID, labels.getTeacher().getTokenizerId());
                assertEquals(llama.id(), labels.getTeacher().getProjectedFrom().getTokenizerId());
                assertEquals(ByteTokenizer.BOS, labels.getTokens().get(0));
                assertEquals(
                        labels.getTokens().size() - 1,
                        lines.get(0).getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                        "a byte position per byte of the line");
            }

            CliRun refused = CliRun.of(trainArgs(
                    "token-student", checkpoints, "--init-from-teacher", teacherDir.toString(), "--layers", "0"));
            assertEquals(CliException.FAILED, refused.exitCode(), refused.err());
            String[] err = refused.errLines(); // its start-up line, then the refusal in one line, no stack
            assertTrue(err[err.length - 1].contains("uses tokenizer byte-v1"), refused.err());
            assertTrue(!refused.err().contains("\tat "), refused.err());
        } finally {
            teacherExit = teacher.stop();
        }
        assertEquals(0, teacherExit, teacher.err());

        TrainerInThread trainer = new TrainerInThread(trainArgs("byte-student", checkpoints, "--size", "tiny"));
        trainer.awaitCheckpoint(checkpoints, "byte-student", Duration.ofSeconds(120)); // a checkpoint every 2 steps
        trainer.stop();
    }

    private String[] trainArgs(String student, Path checkpoints, String... model) {
        List<String> args = new ArrayList<>(List.of(model));
        args.addAll(List.of("--holdout-percent", "10"));
        return QuickTrainArgs.of(
                broker.bootstrapServers(), LABELS, CHECKPOINTS, checkpoints, student, args.toArray(String[]::new));
    }
}
