package io.distill.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.lm.Sha256;
import io.distill.lm.StoredZip;
import io.distill.schemas.ArtifactChunks;
import io.distill.schemas.CheckpointChunk;
import io.distill.schemas.CheckpointPublished;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.WeightFormat;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artifacts read from the artifacts topic by chunks, on a real broker: a multi-chunk artifact arrives whole and
 * unpacks; a corrupted chunk, a version deleted by retention, and one whose chunks were tombstoned are each refused
 * naming their cause in one line, with nothing unpacked. The chunks here are written as the wire format says, by
 * hand, so the reader is checked against the format rather than against the trainer's writer.
 */
@ExtendWith(KafkaBrokerExtension.class)
class KafkaArtifactsIT {
    private static final DownloadPolicy FAST = DownloadPolicy.defaults().withRetries(2, Duration.ofMillis(10));
    private final EmbeddedKafkaBroker broker;

    KafkaArtifactsIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void aMultiChunkArtifactArrivesWholeAndUnpacks(@TempDir Path dir) throws Exception {
        byte[] weights = random(1_300_000, 1);
        byte[] zip = zipOf("weights.bin", weights);
        CheckpointPublished a = publish("whole-artifacts", "whole", 7, zip, -1);
        assertTrue(a.getUri().startsWith("kafka://whole-artifacts/whole/7?"), a.getUri());

        Path unpacked = client(dir).pull(a, dir.resolve("out"));

        assertArrayEquals(weights, Files.readAllBytes(unpacked.resolve("weights.bin")));
        assertEquals(dir.resolve("out").resolve("whole").resolve("7"), unpacked);
    }

    @Test
    void aCorruptedChunkIsRefusedNamingItAndNothingIsUnpacked(@TempDir Path dir) throws Exception {
        byte[] zip = zipOf("weights.bin", random(1_800_000, 2));
        CheckpointPublished a = publish("corrupt-artifacts", "corrupt", 3, zip, 3);

        CheckpointRefusedException e =
                assertThrows(CheckpointRefusedException.class, () -> client(dir).pull(a, dir.resolve("out")));

        assertTrue(e.getMessage().contains("sha256 mismatch in chunk 3"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("out").resolve("corrupt").resolve("3")));
    }

    @Test
    void aVersionDeletedByRetentionIsRefusedSayingSo(@TempDir Path dir) throws Exception {
        String topic = "retained-artifacts";
        CheckpointPublished old = publish(topic, "retained", 460, zipOf("w", random(700_000, 3)), -1);
        CheckpointPublished kept = publish(topic, "retained", 461, zipOf("w", random(10_000, 4)), -1);
        ArtifactChunks.Location keptAt = ArtifactChunks.Location.parse(java.net.URI.create(kept.getUri()));
        try (Admin admin = Admin.create(kafka())) {
            admin.deleteRecords(Map.of(
                            new TopicPartition(topic, keptAt.partition()),
                            RecordsToDelete.beforeOffset(keptAt.offset())))
                    .all()
                    .get();
        }

        CheckpointRefusedException e =
                assertThrows(CheckpointRefusedException.class, () -> client(dir).pull(old, dir.resolve("out")));

        assertTrue(e.getMessage().contains("version 460 of retained was deleted by retention"), e.getMessage());
        assertTrue(Files.isDirectory(client(dir).pull(kept, dir.resolve("out"))));
    }

    @Test
    void aTombstonedVersionIsRefusedSayingSo(@TempDir Path dir) throws Exception {
        String topic = "tombstoned-artifacts";
        CheckpointPublished a = publish(topic, "gone", 5, zipOf("w", random(600_000, 5)), -1);
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < ArtifactChunks.count(a.getSizeBytes()); i++) {
                producer.send(new ProducerRecord<>(topic, 0, ArtifactChunks.key("gone", 5, i), null));
            }
        }
        // Until the cleaner runs the chunks are still there; once it has, the first record at the offset is another.
        // Either way the announcement's bytes are read or refused whole: here the reader still finds them.
        assertTrue(Files.isDirectory(client(dir).pull(a, dir.resolve("out"))));
        CheckpointPublished moved = CheckpointPublished.newBuilder(a)
                .setUri(new ArtifactChunks.Location(topic, "gone", 5, 0, offsetOfTombstones(a))
                        .uri()
                        .toString())
                .build();
        CheckpointRefusedException e =
                assertThrows(CheckpointRefusedException.class, () -> client(dir).pull(moved, dir.resolve("out")));
        assertTrue(e.getMessage().contains("version 5 was deleted: chunk 0 has a tombstone"), e.getMessage());
    }

    private long offsetOfTombstones(CheckpointPublished a) {
        ArtifactChunks.Location at = ArtifactChunks.Location.parse(java.net.URI.create(a.getUri()));
        return at.offset() + ArtifactChunks.count(a.getSizeBytes());
    }

    /**
     * Writes {@code artifact}'s chunks as the trainer does (one partition, in order) and returns its announcement;
     * chunk {@code corrupt} (if not -1) gets one bit flipped after its sha256 was taken.
     */
    private CheckpointPublished publish(String topic, String student, long version, byte[] artifact, int corrupt)
            throws Exception {
        int count = ArtifactChunks.count(artifact.length);
        String whole = Sha256.hex(artifact);
        long first = -1;
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < count; i++) {
                byte[] data = Arrays.copyOfRange(
                        artifact,
                        i * ArtifactChunks.CHUNK_BYTES,
                        Math.min(artifact.length, (i + 1) * ArtifactChunks.CHUNK_BYTES));
                String sha = Sha256.hex(data);
                if (i == corrupt) {
                    data[data.length / 2] ^= 1;
                }
                CheckpointChunk chunk = new CheckpointChunk(
                        student, version, i, count, sha, whole, (long) artifact.length, ByteBuffer.wrap(data));
                RecordMetadata m = producer.send(new ProducerRecord<>(
                                topic,
                                0,
                                ArtifactChunks.key(student, version, i),
                                DistillSerdes.checkpointChunk().encode(chunk)))
                        .get();
                first = first < 0 ? m.offset() : first;
            }
        }
        return CheckpointPublished.newBuilder()
                .setStudent(student)
                .setVersion(version)
                .setStep(version)
                .setTokensSeen(0)
                .setCreatedAt(Instant.now())
                .setUri(new ArtifactChunks.Location(topic, student, version, 0, first)
                        .uri()
                        .toString())
                .setSha256(whole)
                .setSizeBytes(artifact.length)
                .setFormat(WeightFormat.FP32)
                .setConfigJson("{}")
                .setMetrics(Map.of())
                .build();
    }

    private CheckpointClient client(Path dir) {
        return new CheckpointClient(kafka(), "unused-announcements", dir.resolve("work"), FAST);
    }

    private Properties kafka() {
        Properties props = new Properties();
        props.put("bootstrap.servers", broker.bootstrapServers());
        return props;
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Properties props = kafka();
        props.put("acks", "all");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static byte[] random(int n, long seed) {
        byte[] bytes = new byte[n];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    /** One stored entry, as the trainer packs bundles. */
    /** A stored zip of one entry, as the publisher packs bundles. */
    private static byte[] zipOf(String name, byte[] content) throws Exception {
        Path zip = Files.createTempFile("artifact", ".zip");
        try {
            StoredZip.write(zip, Map.of(name, content));
            return Files.readAllBytes(zip);
        } finally {
            Files.delete(zip);
        }
    }
}
