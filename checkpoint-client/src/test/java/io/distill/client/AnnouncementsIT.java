package io.distill.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.schemas.CheckpointPublished;
import io.distill.schemas.DistillSerdes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real broker: an announcement counts only when its record key is its student, and versions are compared within
 * a key. A record keyed "mallory" that claims to be alice v99 must neither be taken for alice nor hold back alice's
 * real versions; a newer bob does not hide an older-numbered alice.
 */
@ExtendWith(KafkaBrokerExtension.class)
class AnnouncementsIT {
    private static final String TOPIC = "announcements-it.checkpoints";
    private final EmbeddedKafkaBroker broker;

    AnnouncementsIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void onlyRecordsKeyedByTheirStudentCountAndVersionsAreComparedWithinAKey(@TempDir Path dir) throws Exception {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", broker.bootstrapServers());
        send("mallory", "alice", 99);
        send(null, "alice", 50);
        send("alice", "alice", 1);
        send("bob", "bob", 30);

        try (CheckpointClient client = new CheckpointClient(kafka, TOPIC, dir)) {
            Map<String, CheckpointPublished> latest = client.latest(Optional.empty(), Duration.ofSeconds(30));
            assertEquals(Map.of("alice", 1L, "bob", 30L), versions(latest));
        }

        List<String> handed = new CopyOnWriteArrayList<>();
        CheckpointClient follower = new CheckpointClient(kafka, TOPIC, dir);
        Thread following = new Thread(
                () -> follower.follow(Optional.empty(), a -> handed.add(a.getStudent() + " v" + a.getVersion())),
                "follower");
        following.start();
        try {
            await(handed, 2);
            assertEquals(List.of("alice v1", "bob v30"), handed);
            send("alice", "alice", 2); // newer than alice v1, though older than bob v30: handed over
            send("mallory", "alice", 100); // mis-keyed: skipped
            send("alice", "alice", 2); // not newer within alice: skipped
            send("bob", "bob", 29); // not newer within bob: skipped
            send("carol", "carol", 1); // the last record: once carol is handed over, every record before it was read
            await(handed, 4);
            assertEquals(List.of("alice v1", "bob v30", "alice v2", "carol v1"), handed);
        } finally {
            follower.close();
            following.join(30_000);
        }
    }

    private void send(String key, String student, long version) throws Exception {
        CheckpointPublished a = CheckpointClientTest.announcement(Path.of("/nowhere.zip"), "0".repeat(64), 1);
        a.setStudent(student);
        a.setVersion(version);
        Map<String, Object> props = Map.of("bootstrap.servers", broker.bootstrapServers(), "acks", "all");
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            byte[] k = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(
                            TOPIC, 0, k, DistillSerdes.checkpointPublished().encode(a)))
                    .get();
        }
    }

    private static Map<String, Long> versions(Map<String, CheckpointPublished> latest) {
        return Map.copyOf(latest.entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(
                        Map.Entry::getKey, e -> e.getValue().getVersion())));
    }

    private static void await(List<String> handed, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (handed.size() < count) {
            assertTrue(System.nanoTime() < deadline, "handed over only " + handed);
            Thread.sleep(20);
        }
    }
}
