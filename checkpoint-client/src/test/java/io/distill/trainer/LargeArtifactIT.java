package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.distill.client.CheckpointClient;
import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.lm.Sha256;
import io.distill.lm.StoredZip;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.schemas.ArtifactChunks;
import io.distill.schemas.CheckpointPublished;
import io.distill.schemas.WeightFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large artifact through the trainer's chunk writer and the client's reader on a real broker, timed: 24 MiB here,
 * {@code -Ddistill.artifact.mib=100} for the figure in docs/trainer.md. And the size cap: a checkpoint over {@code
 * --max-artifact-bytes} is refused before anything is sent. In {@code io.distill.trainer} for the package-private
 * writer; here because the reader's module tests depend on the trainer, not the other way round.
 */
@ExtendWith(KafkaBrokerExtension.class)
class LargeArtifactIT {
    private static final int MIB = Integer.getInteger("distill.artifact.mib", 24);
    private final EmbeddedKafkaBroker broker;

    LargeArtifactIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void aLargeArtifactIsWrittenInOneTransactionAndPulledWholeAndVerified(@TempDir Path dir) throws Exception {
        TrainerConfig config = config(dir, ArtifactStore.DEFAULT_MAX_BYTES);
        TrainerKafka.ensureTopics(config);
        Path artifact = dir.resolve("large.zip");
        writeRandomZip(artifact, MIB * 1024L * 1024L);
        String sha256 = Sha256.hex(artifact);
        long size = Files.size(artifact);

        long started = System.nanoTime();
        ArtifactChunks.Location at;
        try (KafkaProducer<byte[], byte[]> producer = TrainerKafka.publishingProducer(config)) {
            producer.beginTransaction();
            at = new KafkaArtifactWriter(producer, config.artifacts().topic(), "large")
                    .write(artifact, 1, sha256, size);
            producer.commitTransaction();
        }
        long published = System.nanoTime();
        Path pulled;
        try (CheckpointClient client = new CheckpointClient(config.kafka(), "unused", dir.resolve("work"))) {
            pulled = client.pull(announcement(at, sha256, size), dir.resolve("out"));
        }
        long done = System.nanoTime();

        assertEquals(-1, Files.mismatch(dir.resolve("bundle/weights.bin"), pulled.resolve("weights.bin")));
        System.out.printf(
                "artifact of %d MiB (%d chunks): published in %d ms, pulled, verified and unpacked in %d ms%n",
                MIB,
                ArtifactChunks.count(size),
                TimeUnit.NANOSECONDS.toMillis(published - started),
                TimeUnit.NANOSECONDS.toMillis(done - published));
    }

    @Test
    void aCheckpointOverTheCapIsNotPublishedAndSaysWhy(@TempDir Path dir) throws Exception {
        TrainerConfig config = config(dir, 1000);
        try (NDManager manager = NDManager.newBaseManager();
                KafkaProducer<byte[], byte[]> producer = TrainerKafka.publishingProducer(config)) {
            Gpt model = Gpt.create(LmConfig.named("tiny"), manager);
            IOException e = assertThrows(
                    IOException.class, () -> new Publisher(config, producer).publish(model, 3, 0, Map.of()));
            assertTrue(e.getMessage().startsWith("checkpoint 3 is "), e.getMessage());
            assertTrue(e.getMessage().contains("over --max-artifact-bytes 1000; not published"), e.getMessage());
        }
    }

    private TrainerConfig config(Path dir, long maxBytes) {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", broker.bootstrapServers());
        return TrainerConfig.builder("large", LmConfig.named("tiny"), kafka, dir.resolve("trainer"))
                .topics("large.labels", "large.checkpoints", "large.dead-letters")
                .artifacts(new ArtifactStore(ArtifactStore.Kind.KAFKA, "large.artifacts", 2, maxBytes))
                .build();
    }

    private static CheckpointPublished announcement(ArtifactChunks.Location at, String sha256, long size) {
        return CheckpointPublished.newBuilder()
                .setStudent("large")
                .setVersion(1)
                .setStep(1)
                .setTokensSeen(0)
                .setCreatedAt(Instant.now())
                .setUri(at.uri().toString())
                .setSha256(sha256)
                .setSizeBytes(size)
                .setFormat(WeightFormat.FP16)
                .setConfigJson("{}")
                .setMetrics(Map.of())
                .build();
    }

    /** A stored zip of one file of random bytes, {@code bytes} long in all, as the publisher packs bundles. */
    private static void writeRandomZip(Path zip, long bytes) throws IOException {
        Path dir = Files.createDirectories(zip.resolveSibling("bundle"));
        long content = bytes - 22 - 30 - "weights.bin".length() * 2 - 46; // the zip's own headers
        SplittableRandom random = new SplittableRandom(7);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(dir.resolve("weights.bin"))) {
            for (long left = content; left > 0; left -= block.length) {
                random.nextBytes(block);
                out.write(block, 0, (int) Math.min(block.length, left));
            }
        }
        StoredZip.writeDirectory(dir, zip);
    }
}
