package io.distill.trainer;

import io.distill.schemas.TopicSetup;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The trainer's Kafka clients, and the topics it writes to. */
final class TrainerKafka {
    private static final Logger LOG = LoggerFactory.getLogger(TrainerKafka.class);

    private TrainerKafka() {}

    /** The student's one consumer: read_committed, offsets committed by hand, static membership. */
    static KafkaConsumer<byte[], byte[]> consumer(TrainerConfig config) {
        Properties props = new Properties();
        props.putAll(config.kafka());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Every assigned partition is sought explicitly (RebalanceListener), so no reset policy is ever needed to
        // start. "none" makes a fetch below the log start (retention ran while the trainer was behind) an
        // OffsetOutOfRangeException that TrainingLoop handles as a gap, instead of a silent jump to "earliest".
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "distill-student-" + config.student());
        // Static membership: one trainer process per student, so a restarted trainer (after a crash) takes its
        // partitions over at once instead of waiting for the dead member's session to time out. A second process
        // of the same student is fenced off by the broker.
        props.putIfAbsent(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.groupId() + "-trainer");
        // Bounded work between polls: a poll's records are trained before the next poll.
        props.putIfAbsent(
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(Math.max(64, 4 * config.batchSize())));
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The producer of dead letters and checkpoint announcements. */
    static KafkaProducer<byte[], byte[]> producer(TrainerConfig config) {
        Properties props = new Properties();
        props.putAll(config.kafka());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "distill-student-" + config.student() + "-producer");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * The publisher's producer: transactional, so an artifact's chunks and its announcement commit together. Its
     * transactional id is {@code distill-publisher-<student>}: a second trainer of the same student fences the first
     * off. The transaction may take as long as sending the biggest artifact does, so its timeout is 10 minutes
     * (brokers allow up to 15 by default, {@code transaction.max.timeout.ms}).
     */
    static KafkaProducer<byte[], byte[]> publishingProducer(TrainerConfig config) {
        Properties props = new Properties();
        props.putAll(config.kafka());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(config.student()));
        props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "600000");
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "distill-student-" + config.student() + "-publisher");
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        try {
            producer.initTransactions();
        } catch (KafkaException e) {
            producer.close(java.time.Duration.ZERO);
            throw e;
        }
        return producer;
    }

    /** The publisher's transactional id; the ACLs in docs/security.md grant it by this prefix. */
    static String transactionalId(String student) {
        return "distill-publisher-" + student;
    }

    /**
     * Creates the announcement topic (compacted: the latest record per student is the current model), the
     * artifacts topic (compacted) and the dead-letter topic when they are missing; existing topics are left as their owner set them up.
     */
    static void ensureTopics(TrainerConfig config) throws InterruptedException {
        List<TopicSetup.Spec> specs = List.of(
                new TopicSetup.Spec(config.checkpointsTopic(), 1, true),
                new TopicSetup.Spec(config.artifacts().topic(), 1, true),
                new TopicSetup.Spec(config.deadLetterTopic(), 1, false));
        try (Admin admin = Admin.create(config.kafka())) {
            List<String> created = TopicSetup.ensure(admin, specs, 30_000);
            if (!created.isEmpty()) {
                LOG.info("created topics {}", created);
            }
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            LOG.warn(
                    "could not check or create {}, {} and {} ({}); carrying on with whatever exists",
                    config.checkpointsTopic(),
                    config.artifacts().topic(),
                    config.deadLetterTopic(),
                    e.toString());
        }
    }
}
