package io.distill.teacher;

import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TextSample;
import io.distill.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/** The teacher topology in a {@link TopologyTestDriver}, with typed helpers for its three topics. */
final class TeacherDriver implements AutoCloseable {
    static final String APPLICATION_ID = "teacher-test";

    final TeacherMetrics metrics;
    final TopologyTestDriver driver;
    final TestInputTopic<byte[], byte[]> text;
    final TestOutputTopic<byte[], byte[]> softLabels;
    final TestOutputTopic<byte[], byte[]> deadLetters;

    TeacherDriver(TeacherConfig config, TeacherModel teacher, Path stateDir) {
        metrics = new TeacherMetrics(config.maxBatch());
        Properties client = new Properties();
        client.put("bootstrap.servers", "unused:9092");
        driver = new TopologyTestDriver(
                TeacherTopology.buildTopology(config, teacher, metrics),
                TeacherTopology.streamsConfig(APPLICATION_ID, client, stateDir),
                Instant.ofEpochMilli(1_700_000_000_000L));
        text = driver.createInputTopic(config.inputTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        softLabels = driver.createOutputTopic(
                config.outputTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        deadLetters = driver.createOutputTopic(
                config.deadLetterTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static TeacherConfig.Builder config() {
        return TeacherConfig.builder()
                .inputTopic(Topics.TEXT)
                .outputTopic(Topics.SOFT_LABELS)
                .deadLetterTopic(Topics.DEAD_LETTERS);
    }

    void sendPlain(String id, String text) {
        this.text.pipeInput(utf8(id), utf8(text));
    }

    void sendSample(String id, String text) {
        TextSample sample = TextSample.newBuilder()
                .setId(id)
                .setText(text)
                .setSource("test")
                .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L))
                .build();
        this.text.pipeInput(utf8("ignored-key"), DistillSerdes.textSample().encode(sample));
    }

    void advance(Duration wallClock) {
        driver.advanceWallClockTime(wallClock);
    }

    /**
     * Lets buffered windows time out: one punctuation tick for the punctuator to see them waiting, then max wait.
     */
    void flushByMaxWait(TeacherConfig config) {
        advance(config.maxWait().dividedBy(4).plusMillis(1));
        advance(config.maxWait());
    }

    List<SoftLabels> readSoftLabels() {
        var serde = DistillSerdes.softLabels();
        return softLabels.readRecordsToList().stream()
                .map(r -> {
                    SoftLabels labels = serde.decode(r.value());
                    if (!labels.getSampleId().equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        throw new AssertionError("record key is not the sample id: " + labels.getSampleId());
                    }
                    return labels;
                })
                .toList();
    }

    List<TestRecord<byte[], byte[]>> readDeadLetters() {
        return deadLetters.readRecordsToList();
    }

    /** What the batch buffer wrote to its changelog: puts with a value, deletes as tombstones (null values). */
    TestOutputTopic<byte[], byte[]> changelog() {
        return driver.createOutputTopic(
                APPLICATION_ID + "-" + TeacherTopology.PENDING_STORE + "-changelog",
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        driver.close();
    }
}
