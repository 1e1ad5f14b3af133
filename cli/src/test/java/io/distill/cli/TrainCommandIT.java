package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.lm.artifact.ModelBundle;
import io.distill.lm.codec.Sampled;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TextLabeler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** `distill train` as its own process, stopped by SIGTERM, then `distill checkpoints list` and `pull`. */
@ExtendWith(KafkaBrokerExtension.class)
class TrainCommandIT {
    private final EmbeddedKafkaBroker broker;

    TrainCommandIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    /**
     * Issue 11 item 7: a checkpoint directory that does not verify is never silently replaced by a fresh start.
     * The trainer exits non-zero with one line naming it, and leaves it where it is.
     */
    @Test
    void refusesToStartFreshOverCheckpointsThatDoNotVerify(@TempDir Path dir) throws Exception {
        Path checkpoints = dir.resolve("checkpoints");
        Path broken = checkpoints.resolve("training").resolve("kept-student").resolve("step-000000000040");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("manifest.json"), "{\"truncated");
        Files.write(broken.resolve("weights.safetensors"), new byte[1000]);

        CliRun run = CliRun.of(
                "train",
                "--student",
                "kept-student",
                "--size",
                "tiny",
                "--precision",
                "fp32",
                "--bootstrap",
                broker.bootstrapServers(),
                "--soft-labels-topic",
                "cli-refuse-labels",
                "--checkpoints-topic",
                "cli.refuse.checkpoints",
                "--checkpoint-dir",
                checkpoints.toString(),
                "--http-port",
                "-1");

        assertEquals(CliException.FAILED, run.exitCode(), run.err());
        List<String> refusal = Stream.of(run.errLines())
                .filter(line -> line.contains("refusing to start fresh"))
                .toList();
        assertEquals(1, refusal.size(), run.err());
        String message = refusal.get(0);
        assertTrue(message.contains("step-000000000040"), message);
        assertTrue(message.contains("--start-fresh"), message);
        assertEquals(1000, Files.size(broken.resolve("weights.safetensors")), "left in place");
    }

    @Test
    void trainPublishesOnSigtermAndCheckpointsListAndPullFindIt(@TempDir Path dir) throws Exception {
        String topic = "cli-train-labels";
        produce(topic);
        Path checkpoints = dir.resolve("checkpoints");
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-Dai.djl.offline=true",
                "-DOPT_OUT_TRACKING=true",
                "-cp",
                System.getProperty("java.class.path"),
                Distill.class.getName(),
                "train",
                "--student",
                "cli-student",
                "--size",
                "tiny",
                "--precision",
                "fp32",
                "--bootstrap",
                broker.bootstrapServers(),
                "--soft-labels-topic",
                topic,
                "--checkpoints-topic",
                "cli.checkpoints",
                "--checkpoint-dir",
                checkpoints.toString(),
                "--checkpoint-every-steps",
                "0",
                "--checkpoint-every-seconds",
                "0",
                "--batch-wait",
                "200ms",
                "--http-port",
                "-1",
                "--holdout-percent",
                "10");
        Path output = dir.resolve("train.out");
        Process train = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.readString(output).contains("| lag 0 |")) { // a progress line after the whole stream
                assertTrue(train.isAlive(), "train exited early: " + Files.readString(output));
                assertTrue(System.nanoTime() < deadline, "no progress: " + Files.readString(output));
                Thread.sleep(100);
            }
            Thread.sleep(1000); // the last partial batch (untrained ones are simply read again next time)
        } finally {
            train.destroy(); // SIGTERM: finish the step, checkpoint, publish, exit
        }
        assertTrue(train.waitFor(60, TimeUnit.SECONDS), "stops on SIGTERM");
        String log = Files.readString(output);
        assertTrue(log.contains("saved (at shutdown)"), log);
        assertTrue(log.contains("published cli-student version"), log);

        CliRun list = CliRun.of(
                "checkpoints",
                "list",
                "--bootstrap",
                broker.bootstrapServers(),
                "--checkpoints-topic",
                "cli.checkpoints");
        assertEquals(0, list.exitCode(), list.err());
        assertTrue(list.out().startsWith("cli-student v"), list.out());
        assertTrue(
                list.out().contains("fp16") && list.out().contains("kafka://distill.checkpoint-artifacts/"),
                list.out());

        // The trainer has exited and had no HTTP server: the artifact comes from Kafka alone.
        Path out = dir.resolve("pulled");
        CliRun pull = CliRun.of(
                "checkpoints",
                "pull",
                "--bootstrap",
                broker.bootstrapServers(),
                "--checkpoints-topic",
                "cli.checkpoints",
                "--student",
                "cli-student",
                "--out",
                out.toString());
        assertEquals(0, pull.exitCode(), pull.err());
        assertTrue(pull.out().contains("sha256 verified"), pull.out());
        Path version;
        try (Stream<Path> versions = Files.list(out.resolve("cli-student"))) {
            version = versions.findFirst().orElseThrow();
        }
        try (NDManager m = NDManager.newBaseManager()) {
            assertEquals(LmConfig.named("tiny"), ModelBundle.load(version, m).config());
        }
        CliRun generate = CliRun.of("generate", "--model", version.toString(), "--prompt", "the ", "--tokens", "20");
        assertEquals(0, generate.exitCode(), generate.err());
    }

    private int produce(String topic) {
        List<SoftLabels> labels = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            TextLabeler teacher = new TextLabeler(
                    new TeacherModel(Gpt.create(LmConfig.named("tiny"), manager), "stand-in", "1"),
                    new Sampled(12),
                    1f);
            for (int i = 0; i < 30; i++) {
                String text = ("a student learns from a teacher over kafka, line " + i + ". ").repeat(4);
                labels.addAll(teacher.label("doc-" + i, text, 64));
            }
        }
        var serde = DistillSerdes.softLabels();
        Map<String, Object> props = Map.of("bootstrap.servers", broker.bootstrapServers());
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (SoftLabels s : labels) {
                producer.send(
                        new ProducerRecord<>(topic, s.getSampleId().getBytes(StandardCharsets.UTF_8), serde.encode(s)));
            }
        }
        return labels.size();
    }
}
