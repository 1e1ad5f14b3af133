package io.distill.kafkakit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start, stop and restart of a persistent broker: topics and records survive. */
class EmbeddedKafkaBrokerIT {

    @Test
    void restartKeepsTopicsAndRecords(@TempDir Path dataDir) throws Exception {
        int port;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dataDir, 0, false, Map.of())) {
            port = broker.port();
            produce(broker.bootstrapServers(), "kept", List.of("a", "b", "c"));
        }

        try (EmbeddedKafkaBroker again = EmbeddedKafkaBroker.start(dataDir, port, false, Map.of())) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", again.bootstrapServers()))) {
                assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("kept"));
            }
            assertEquals(List.of("a", "b", "c"), consume(again.bootstrapServers(), "kept", 3));
        }
    }

    @Test
    void aTakenPortIsAClearError(@TempDir Path dataDir) {
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.start(dataDir.resolve("one"), 0, true, Map.of())) {
            var e = assertThrows(
                    BrokerStartException.class,
                    () -> EmbeddedKafkaBroker.start(dataDir.resolve("two"), first.port(), true, Map.of()));
            assertTrue(e.getMessage().contains("already in use"), e.getMessage());
        }
    }

    @Test
    void closeIsIdempotentAndDeletesEphemeralData() {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startEphemeral();
        Path dir = broker.dataDir();
        broker.close();
        broker.close();
        assertTrue(!dir.toFile().exists(), "ephemeral data dir should be gone: " + dir);
    }

    static void produce(String bootstrap, String topic, List<String> values) throws Exception {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (var producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(topic, value)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    static List<String> consume(String bootstrap, String topic, int expected) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                "reader-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest");
        List<String> seen = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (seen.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value()));
            }
        }
        return seen;
    }
}
