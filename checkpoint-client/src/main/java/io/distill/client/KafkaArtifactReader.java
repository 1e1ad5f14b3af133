package io.distill.client;

import io.distill.lm.Sha256;
import io.distill.schemas.ArtifactChunks;
import io.distill.schemas.AvroDecodeException;
import io.distill.schemas.AvroSerde;
import io.distill.schemas.CheckpointChunk;
import io.distill.schemas.CheckpointPublished;
import io.distill.schemas.DistillSerdes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads one announced version from the artifacts topic into a file: seeks to the first chunk's offset named in the
 * {@code kafka://} URI, reads the chunks in order ({@code read_committed}, no consumer group), checks each against its
 * sha256 and the announcement, and writes at most the announced size. The caller checks the whole file's sha256.
 *
 * <p>Refusals (deleted by retention or {@code --keep-published}, a sha256 mismatch, a chunk that does not belong, no
 * authorization) are final; anything else (a broker that does not answer) is an {@link IOException} to retry.
 */
final class KafkaArtifactReader {
    /** A read that receives nothing for this long is given up (and retried by the fetcher). */
    private static final Duration STALL = Duration.ofSeconds(60);

    private final Properties kafka;
    private final AvroSerde<CheckpointChunk> serde = DistillSerdes.checkpointChunk();

    KafkaArtifactReader(Properties kafka) {
        this.kafka = kafka;
    }

    /** @return the sha256 of the bytes written to {@code file} */
    String read(CheckpointPublished a, ArtifactChunks.Location where, Path file) throws IOException {
        String version = "version " + a.getVersion() + " of " + a.getStudent();
        if (!where.student().equals(a.getStudent()) || where.version() != a.getVersion()) {
            throw refused(a, "its uri " + a.getUri() + " names another student or version");
        }
        TopicPartition tp = new TopicPartition(where.topic(), where.partition());
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            consumer.assign(List.of(tp));
            long start = consumer.beginningOffsets(List.of(tp), STALL).get(tp);
            long end = consumer.endOffsets(List.of(tp), STALL).get(tp);
            if (where.offset() < start) {
                throw refused(
                        a,
                        version + " was deleted by retention: " + tp + " now starts at offset " + start
                                + ", its chunks began at " + where.offset());
            }
            if (where.offset() >= end) {
                throw refused(
                        a,
                        version + " is not on " + tp + ": its chunks begin at offset " + where.offset()
                                + " but the log ends at " + end + " (was the topic recreated?)");
            }
            consumer.seek(tp, where.offset());
            return copyChunks(a, consumer, tp, end, file);
        } catch (AuthorizationException | AuthenticationException e) {
            throw refused(a, "cannot read " + tp + ": " + e.getMessage());
        } catch (KafkaException e) {
            throw new IOException("cannot read " + version + " from " + tp + ": " + FailureReasons.of(e), e);
        }
    }

    private String copyChunks(
            CheckpointPublished a, KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long end, Path file)
            throws IOException {
        int count = ArtifactChunks.count(a.getSizeBytes());
        MessageDigest whole = Sha256.digest();
        long written = 0;
        int next = 0;
        long lastProgress = System.nanoTime();
        try (OutputStream out = Files.newOutputStream(file)) {
            while (next < count) {
                if (consumer.position(tp) >= end) {
                    throw refused(
                            a,
                            "version " + a.getVersion() + " was deleted by retention: chunk " + next + " of " + count
                                    + " is no longer on " + tp);
                }
                if (System.nanoTime() - lastProgress > STALL.toNanos()) {
                    throw new IOException("no chunk of version " + a.getVersion() + " arrived from " + tp + " in "
                            + STALL.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (next == count) {
                        break;
                    }
                    if (!Arrays.equals(r.key(), ArtifactChunks.key(a.getStudent(), a.getVersion(), next))) {
                        throw refused(
                                a,
                                "version " + a.getVersion() + " was deleted by retention: chunk " + next + " of "
                                        + count + " is no longer at " + tp + "@" + r.offset());
                    }
                    byte[] data = checkedData(a, r, next, count);
                    if (written + data.length > a.getSizeBytes()) {
                        throw refused(a, "its chunks hold more than the announced " + a.getSizeBytes() + " bytes");
                    }
                    whole.update(data);
                    out.write(data);
                    written += data.length;
                    next++;
                    lastProgress = System.nanoTime();
                }
            }
        }
        if (written != a.getSizeBytes()) {
            throw refused(a, "its chunks hold " + written + " bytes, the announcement says " + a.getSizeBytes());
        }
        return HexFormat.of().formatHex(whole.digest());
    }

    /** The bytes of chunk {@code index}, once the record is known to be that chunk of this announcement, intact. */
    private byte[] checkedData(CheckpointPublished a, ConsumerRecord<byte[], byte[]> r, int index, int count)
            throws CheckpointRefusedException {
        if (r.value() == null) {
            throw refused(
                    a,
                    "version " + a.getVersion() + " was deleted: chunk " + index + " has a tombstone (older"
                            + " than --keep-published versions)");
        }
        CheckpointChunk chunk;
        try {
            chunk = serde.decode(r.value());
        } catch (AvroDecodeException e) {
            throw refused(a, "chunk " + index + " is unreadable: " + e.getMessage());
        }
        if (!chunk.getStudent().equals(a.getStudent())
                || chunk.getVersion() != a.getVersion()
                || chunk.getIndex() != index
                || chunk.getCount() != count
                || !chunk.getArtifactSha256().equalsIgnoreCase(a.getSha256())
                || chunk.getArtifactBytes() != a.getSizeBytes()) {
            throw refused(
                    a,
                    "chunk " + index + " at " + r.topic() + "-" + r.partition() + "@" + r.offset()
                            + " does not belong to this announcement");
        }
        ByteBuffer buffer = chunk.getData();
        if (buffer.remaining() > ArtifactChunks.CHUNK_BYTES) {
            throw refused(a, "chunk " + index + " holds " + buffer.remaining() + " bytes, more than a chunk may");
        }
        byte[] data = new byte[buffer.remaining()];
        buffer.get(data);
        if (!Sha256.hex(data).equalsIgnoreCase(chunk.getSha256())) {
            throw refused(a, "sha256 mismatch in chunk " + index + "; nothing was loaded");
        }
        return data;
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        // 16 chunks a fetch instead of the default 1 MiB's two: fewer round trips for a large artifact.
        props.putIfAbsent(
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(16 * ArtifactChunks.CHUNK_BYTES));
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static CheckpointRefusedException refused(CheckpointPublished a, String why) {
        return new CheckpointRefusedException(ArtifactFetcher.describe(a) + " refused: " + why);
    }
}
