package io.distill.trainer;

import io.distill.lm.Sha256;
import io.distill.schemas.ArtifactChunks;
import io.distill.schemas.AvroSerde;
import io.distill.schemas.CheckpointChunk;
import io.distill.schemas.DistillSerdes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.utils.Utils;

/**
 * Writes a published artifact to the artifacts topic as {@link CheckpointChunk} records, and tombstones the chunks of
 * old versions, inside a transaction the caller has begun (so they commit, or vanish, with the announcement).
 *
 * <p>All chunks of a student go to one partition, chosen from the student's name as Kafka's default partitioner
 * would choose it for the announcement key, so a version's chunks are consecutive records there.
 */
final class KafkaArtifactWriter {
    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final String student;
    private final AvroSerde<CheckpointChunk> serde = DistillSerdes.checkpointChunk();

    KafkaArtifactWriter(Producer<byte[], byte[]> producer, String topic, String student) {
        this.producer = producer;
        this.topic = topic;
        this.student = student;
    }

    /**
     * Sends every chunk of {@code artifact} and waits until the broker has them (uncommitted until the caller commits).
     *
     * @return where the first chunk is, for the announcement's URI
     */
    ArtifactChunks.Location write(Path artifact, long version, String sha256, long size)
            throws IOException, InterruptedException {
        int partition = partition();
        int count = ArtifactChunks.count(size);
        List<Future<RecordMetadata>> sent = new ArrayList<>(count);
        byte[] buffer = new byte[ArtifactChunks.CHUNK_BYTES];
        try (InputStream in = Files.newInputStream(artifact)) {
            for (int index = 0; index < count; index++) {
                int expected =
                        (int) Math.min(ArtifactChunks.CHUNK_BYTES, size - (long) index * ArtifactChunks.CHUNK_BYTES);
                int n = in.readNBytes(buffer, 0, expected);
                if (n != expected) {
                    throw new IOException(artifact + " shrank while it was being published");
                }
                byte[] data = Arrays.copyOf(buffer, n);
                CheckpointChunk chunk = CheckpointChunk.newBuilder()
                        .setStudent(student)
                        .setVersion(version)
                        .setIndex(index)
                        .setCount(count)
                        .setSha256(Sha256.hex(data))
                        .setArtifactSha256(sha256)
                        .setArtifactBytes(size)
                        .setData(ByteBuffer.wrap(data))
                        .build();
                sent.add(producer.send(new ProducerRecord<>(
                        topic, partition, ArtifactChunks.key(student, version, index), serde.encode(chunk))));
            }
        }
        producer.flush();
        long first = -1;
        for (Future<RecordMetadata> f : sent) {
            RecordMetadata written = await(f, "chunk of version " + version);
            if (first < 0) {
                first = written.offset();
            }
        }
        return new ArtifactChunks.Location(topic, student, version, partition, first);
    }

    /** Sends a tombstone for every chunk of each version in {@code versions} (version to chunk count). */
    void tombstone(Map<Long, Integer> versions) throws IOException, InterruptedException {
        int partition = partition();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        versions.forEach((version, count) -> {
            for (int index = 0; index < count; index++) {
                sent.add(producer.send(
                        new ProducerRecord<>(topic, partition, ArtifactChunks.key(student, version, index), null)));
            }
        });
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
            await(f, "tombstone");
        }
    }

    private int partition() throws IOException {
        List<PartitionInfo> partitions = producer.partitionsFor(topic);
        if (partitions == null || partitions.isEmpty()) {
            throw new IOException("topic " + topic + " has no partitions");
        }
        byte[] key = student.getBytes(StandardCharsets.UTF_8);
        return Utils.toPositive(Utils.murmur2(key)) % partitions.size();
    }

    private static RecordMetadata await(Future<RecordMetadata> f, String what)
            throws IOException, InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw new IOException("cannot write " + what + ": " + e.getCause().getMessage(), e.getCause());
        }
    }
}
