package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.schemas.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 11 item 4 on a real broker: the operator raised the text topic's size limit to 8 MiB, so records larger than
 * the teacher's producer may send (1 MiB by default) arrive. Forwarding them whole to the dead-letter topic would
 * fail the transaction and stop the teacher on the same record after every restart. They go as a bounded prefix
 * with their length and sha256, and the teacher keeps labelling.
 */
@ExtendWith(KafkaBrokerExtension.class)
class OversizedRecordIT {
    private static final int LIMIT = 8 * 1024 * 1024;
    private static NDManager manager;
    private static TeacherModel teacher;

    private final EmbeddedKafkaBroker broker;

    OversizedRecordIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @BeforeAll
    static void loadTeacher() {
        manager = NDManager.newBaseManager();
        teacher = TinyTeacher.create(manager);
    }

    @AfterAll
    static void closeTeacher() {
        manager.close();
    }

    @Test
    void recordsOverTheProducerLimitAreDeadLetteredAsAPrefixWithLengthAndSha256() throws Exception {
        String prefix = "big";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(List.of(
                            new NewTopic(prefix + ".text", 1, (short) 1)
                                    .configs(Map.of("max.message.bytes", Integer.toString(LIMIT))),
                            new NewTopic(prefix + ".soft-labels", 1, (short) 1),
                            new NewTopic(prefix + ".dead-letters", 1, (short) 1)))
                    .all()
                    .get();
        }
        // over max text bytes (2 MiB): OVERSIZED, not decoded at all
        byte[] huge = new byte[3 * 1024 * 1024];
        Arrays.fill(huge, (byte) 'a');
        // under max text bytes but over the producer's 1 MiB: decoded, rejected, forwarded
        byte[] badUtf8 = new byte[3 * 1024 * 1024 / 2];
        new Random(4).nextBytes(badUtf8);
        badUtf8[0] = (byte) 0xFF;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, LIMIT);
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(prefix + ".text", utf8("huge"), huge))
                    .get();
            producer.send(new ProducerRecord<>(prefix + ".text", utf8("bad"), badUtf8))
                    .get();
            producer.send(new ProducerRecord<>(prefix + ".text", utf8("after"), utf8("still labelled")))
                    .get();
        }

        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", broker.bootstrapServers());
        TeacherConfig config = TeacherConfig.builder()
                .inputTopic(prefix + ".text")
                .outputTopic(prefix + ".soft-labels")
                .deadLetterTopic(prefix + ".dead-letters")
                .context(32)
                .maxBatch(4)
                .maxWait(Duration.ofMillis(100))
                .maxTextBytes(2 * 1024 * 1024)
                .build();
        try (TeacherService service = new TeacherService(new TeacherService.Options("teacher-big", config, kafka, 0))) {
            service.start(teacher);

            var seen = KafkaTestKit.readSoftLabels(
                            broker.bootstrapServers(),
                            prefix + ".soft-labels",
                            1,
                            Duration.ofSeconds(90),
                            Duration.ofMillis(500))
                    .counts();
            assertEquals(Map.of("after/0", 1), seen, "the record after the big ones is labelled once");

            Map<String, ConsumerRecord<byte[], byte[]>> letters = new TreeMap<>();
            try (var consumer =
                    KafkaTestKit.consumer(broker.bootstrapServers(), prefix + ".dead-letters", "read_committed")) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (letters.size() < 2 && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200))
                            .forEach(r -> letters.put(new String(r.key(), StandardCharsets.UTF_8), r));
                }
            }
            assertEquals(List.of("bad", "huge"), List.copyOf(letters.keySet()));
            assertLetter(letters.get("huge"), huge, Rejection.OVERSIZED);
            assertLetter(letters.get("bad"), badUtf8, Rejection.INVALID_UTF8);
            assertEquals(KafkaStreams.State.RUNNING, service.state());
            assertEquals(2, service.metrics().deadLetters());
        }
    }

    private static void assertLetter(ConsumerRecord<byte[], byte[]> letter, byte[] original, Rejection reason)
            throws Exception {
        var h = letter.headers();
        assertEquals(reason.name(), DeadLetter.header(h, DeadLetter.REASON));
        assertEquals(DeadLetter.MAX_VALUE_BYTES, letter.value().length, "a bounded prefix");
        assertArrayEquals(Arrays.copyOf(original, DeadLetter.MAX_VALUE_BYTES), letter.value());
        assertEquals(Integer.toString(original.length), DeadLetter.header(h, DeadLetter.VALUE_LENGTH));
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(original));
        assertEquals(sha, DeadLetter.header(h, DeadLetter.VALUE_SHA256));
        assertTrue(letter.serializedValueSize() < 1024 * 1024);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
