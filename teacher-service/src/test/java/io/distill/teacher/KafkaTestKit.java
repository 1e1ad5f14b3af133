package io.distill.teacher;

import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.schemas.AvroSerde;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TextSample;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Topics, documents, producing and read_committed verification for the integration tests. */
final class KafkaTestKit {
    private KafkaTestKit() {}

    /** One input document. */
    record Doc(String id, String text) {
        int windows(int context) {
            return Windowing.count(text.getBytes(StandardCharsets.UTF_8).length, context, context);
        }
    }

    /** Documents of 2..maxBytes ASCII characters with ids {@code prefix-N}, the same for the same seed. */
    static List<Doc> docs(String prefix, int count, int maxBytes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        String alphabet = "etaoin shrdlu cmfwyp vbgkjqxz ETAOIN.,;!?\n0123456789";
        List<Doc> docs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = 2 + random.nextInt(maxBytes - 1);
            StringBuilder sb = new StringBuilder(length);
            for (int j = 0; j < length; j++) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            docs.add(new Doc(prefix + "-" + i, sb.toString()));
        }
        return docs;
    }

    /** Every (sample id, window) the documents must produce, as "id/window". */
    static List<String> expectedWindows(List<Doc> docs, int context) {
        List<String> expected = new ArrayList<>();
        for (Doc doc : docs) {
            for (int w = 0; w < doc.windows(context); w++) {
                expected.add(doc.id() + "/" + w);
            }
        }
        return expected;
    }

    static void createTopics(String bootstrap, Map<String, Integer> partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            List<NewTopic> topics = new ArrayList<>();
            partitions.forEach((name, n) -> topics.add(new NewTopic(name, n, (short) 1)));
            admin.createTopics(topics).all().get();
        }
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // See TeacherBenchmark: a just-created topic can refuse the first request while accepting the next.
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends documents alternately as Avro TextSamples and as plain UTF-8 keyed by id. */
    static void send(KafkaProducer<byte[], byte[]> producer, String topic, List<Doc> docs) {
        AvroSerde<TextSample> serde = DistillSerdes.textSample();
        for (int i = 0; i < docs.size(); i++) {
            Doc doc = docs.get(i);
            byte[] key = doc.id().getBytes(StandardCharsets.UTF_8);
            byte[] value = i % 2 == 0
                    ? serde.encode(TextSample.newBuilder()
                            .setId(doc.id())
                            .setText(doc.text())
                            .setSource("it")
                            .setCreatedAt(Instant.now())
                            .build())
                    : doc.text().getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(topic, key, value));
        }
        producer.flush();
    }

    static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String topic, String isolation) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /**
     * Reads the soft-label topic with read_committed until {@code expected} records or the timeout, then for
     * {@code quiet} more so that duplicates would show; each record is decoded and its payload checked.
     *
     * @return how often each "id/window" was seen, and when the expected count was reached
     */
    static Seen readSoftLabels(String bootstrap, String topic, int expected, Duration timeout, Duration quiet) {
        AvroSerde<SoftLabels> serde = DistillSerdes.softLabels();
        Map<String, Integer> seen = new TreeMap<>();
        int total = 0;
        long completeNanos = 0;
        try (var consumer = consumer(bootstrap, topic, "read_committed")) {
            long deadline = System.nanoTime() + timeout.toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    SoftLabels labels = serde.decode(r.value());
                    if (!labels.getSampleId().equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        throw new AssertionError("key is not the sample id: " + labels.getSampleId());
                    }
                    DecodedLabels.of(labels, ByteTokenizer.VOCAB_SIZE);
                    seen.merge(labels.getSampleId() + "/" + labels.getWindow(), 1, Integer::sum);
                    total++;
                }
                if (total >= expected && quietUntil == Long.MAX_VALUE) {
                    completeNanos = System.nanoTime();
                    quietUntil = completeNanos + quiet.toNanos();
                }
            }
        }
        return new Seen(seen, completeNanos);
    }

    /**
     * @param counts how often each "id/window" was read
     * @param completeNanos {@link System#nanoTime()} when the expected number had been read, 0 if never
     */
    record Seen(Map<String, Integer> counts, long completeNanos) {}

    /** Records in the topic as a consumer of this isolation level sees them (aborted ones only read_uncommitted). */
    static int count(String bootstrap, String topic, String isolation, Duration timeout) {
        int n = 0;
        try (var consumer = consumer(bootstrap, topic, isolation)) {
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                n += consumer.poll(Duration.ofMillis(100)).count();
                boolean done = true;
                for (var e : end.entrySet()) {
                    done &= consumer.position(e.getKey()) >= e.getValue();
                }
                if (done) {
                    break;
                }
            }
        }
        return n;
    }

    /** Sum of end offsets: the high watermark for read_uncommitted, the last stable offset for read_committed. */
    static long endOffsets(String bootstrap, String topic, String isolation) {
        try (var consumer = consumer(bootstrap, topic, isolation)) {
            return consumer.endOffsets(consumer.assignment()).values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
        }
    }

    /** Problems with exactly-once: ids missing, ids seen twice, ids nobody expected. Empty when all is well. */
    static List<String> exactlyOnceProblems(List<String> expected, Map<String, Integer> seen) {
        List<String> problems = new ArrayList<>();
        Map<String, Integer> remaining = new HashMap<>(seen);
        for (String id : expected) {
            Integer n = remaining.remove(id);
            if (n == null) {
                problems.add("missing " + id);
            } else if (n != 1) {
                problems.add(id + " seen " + n + " times");
            }
        }
        remaining.keySet().forEach(id -> problems.add("unexpected " + id));
        return problems;
    }
}
