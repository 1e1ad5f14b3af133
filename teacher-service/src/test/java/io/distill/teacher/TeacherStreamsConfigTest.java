package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings {@link TeacherTopology#streamsConfig} adds, as Kafka Streams resolves them. */
class TeacherStreamsConfigTest {
    @TempDir
    Path stateDir;

    private StreamsConfig streams(Map<String, String> client) {
        Properties settings = new Properties();
        settings.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
        settings.putAll(client);
        return new StreamsConfig(TeacherTopology.streamsConfig("teacher-test", settings, stateDir));
    }

    @Test
    void twoStreamThreadsKeepTwoBatchesInFlightUnlessTheSettingsSayOtherwise() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals(
                Math.min(2, cores),
                streams(Map.of()).getInt(StreamsConfig.NUM_STREAM_THREADS_CONFIG),
                "two stream threads on " + cores + " cores");
        assertEquals(
                1,
                streams(Map.of(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1"))
                        .getInt(StreamsConfig.NUM_STREAM_THREADS_CONFIG));
    }

    /** The producer config the stream thread's producer gets from these client settings. */
    private Map<String, Object> producer(Map<String, String> client) {
        return streams(client).getProducerConfigs("teacher-test-producer");
    }

    @Test
    void theProducerLingersUntilTheCommitInFewRequests() {
        Map<String, Object> producer = producer(Map.of());
        assertEquals(
                String.valueOf(TeacherTopology.DEFAULT_COMMIT_INTERVAL_MS),
                producer.get(ProducerConfig.LINGER_MS_CONFIG).toString());
        assertEquals(
                String.valueOf(TeacherTopology.PRODUCER_BATCH_BYTES),
                producer.get(ProducerConfig.BATCH_SIZE_CONFIG).toString());
    }

    @Test
    void theLingerFollowsAConfiguredCommitInterval() {
        Map<String, Object> producer = producer(Map.of(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "5000"));
        assertEquals("5000", producer.get(ProducerConfig.LINGER_MS_CONFIG).toString());
    }

    @Test
    void clientSettingsNamingTheProducerSettingsWin() {
        assertEquals(
                "5",
                producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, "5"))
                        .get(ProducerConfig.LINGER_MS_CONFIG)
                        .toString());
        assertEquals(
                "7",
                producer(Map.of(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "7"))
                        .get(ProducerConfig.LINGER_MS_CONFIG)
                        .toString());
        assertEquals(
                "16384",
                producer(Map.of(ProducerConfig.BATCH_SIZE_CONFIG, "16384"))
                        .get(ProducerConfig.BATCH_SIZE_CONFIG)
                        .toString());
    }
}
