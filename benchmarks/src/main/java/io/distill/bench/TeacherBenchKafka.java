package io.distill.bench;

import io.distill.schemas.DistillSerdes;
import io.distill.schemas.TextSample;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The Kafka side of {@link TeacherBenchmark}: its topics, its input documents, and when its output is visible. */
final class TeacherBenchKafka {
    private TeacherBenchKafka() {}

    /**
     * Partitions of the benchmark's topics: what {@code distill broker} and {@code distill teacher} create, so the
     * service's stream threads each get some ({@link io.distill.teacher.TeacherTopology#defaultStreamThreads}).
     */
    static final int PARTITIONS = 4;

    /** Creates the topics and waits until each partition has a leader, so the first send finds one. */
    static void createTopics(Properties kafka, List<String> names) throws Exception {
        try (Admin admin = Admin.create(kafka)) {
            admin.createTopics(names.stream()
                            .map(name -> new NewTopic(name, Optional.of(PARTITIONS), Optional.empty()))
                            .toList())
                    .all()
                    .get(60, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try {
                    var described = admin.describeTopics(names).allTopicNames().get(60, TimeUnit.SECONDS);
                    boolean led = described.values().stream()
                            .flatMap(d -> d.partitions().stream())
                            .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
                    if (led) {
                        return;
                    }
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw e; // not yet known to the broker's metadata is the only thing to wait out
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topics " + names + " have no leader after 60 s");
                }
                Thread.sleep(100);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create the benchmark's topics: " + e.getCause(), e);
        }
    }

    static void produce(Properties kafka, String topic, List<String> docs) throws Exception {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        // One request in flight: seen here with the 4.1 broker, a first request refused with NOT_LEADER_OR_FOLLOWER
        // on a just-created topic while the next one was appended left the idempotent producer retrying an
        // out-of-order sequence until its delivery timeout.
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        var serde = DistillSerdes.textSample();
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < docs.size(); i++) {
                String id = "doc-" + i;
                sent.add(producer.send(new ProducerRecord<>(
                        topic,
                        id.getBytes(StandardCharsets.UTF_8),
                        serde.encode(TextSample.newBuilder()
                                .setId(id)
                                .setText(docs.get(i))
                                .setSource("bench")
                                .setCreatedAt(Instant.now())
                                .build()))));
            }
            producer.flush();
            for (var future : sent) {
                future.get(); // a lost input document would stall the run: fail here instead
            }
        }
    }

    /**
     * When committed soft labels became visible: the first commit (and how many records it held) and the last.
     * Both are commit boundaries, so the span between them holds whole commit cycles of steady work, without the
     * start-up before the first commit or the wait for the last one.
     */
    record Visibility(long firstNanos, int firstCount, long lastNanos, int count) {}

    /** Polls every partition of the topic read_committed until {@code count} records. */
    static Visibility awaitCommitted(Properties kafka, String topic, int count, Duration timeout) {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            long firstNanos = 0;
            int firstCount = 0;
            int seen = 0;
            while (seen < count) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + seen + " of " + count + " soft labels after " + timeout);
                }
                // The committed offset only moves at commits: whatever one poll returns arrived with one commit
                // (a poll can return less, so records that show up within 50 ms of the first still count as it).
                // A poll returns as soon as records arrive; a short timeout would only wake this thread a hundred
                // times a second beside the service it measures.
                int n = consumer.poll(Duration.ofMillis(500)).count();
                if (n > 0 && seen == 0) {
                    firstNanos = System.nanoTime();
                }
                if (firstNanos != 0 && System.nanoTime() - firstNanos < 50_000_000L) {
                    firstCount += n;
                }
                seen += n;
            }
            return new Visibility(firstNanos, firstCount, System.nanoTime(), seen);
        }
    }
}
