package io.distill.teacher;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.function.IntFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The teacher's Kafka Streams application: {@link #streamsConfig} and {@link #buildTopology}, used by {@link
 * TeacherService} and by the tests alike.
 *
 * <pre>
 * text topic ──► teacher (TeacherProcessor) ──► soft-label topic
 *   (bytes)          │ ▲                    └──► dead-letter topic
 *                    ▼ │
 *            pending-windows store (in memory, changelogged)
 * </pre>
 */
public final class TeacherTopology {
    public static final String SOURCE = "text-source";
    public static final String PROCESSOR = "teacher";
    public static final String SOFT_LABELS_SINK = "soft-labels-sink";
    public static final String DEAD_LETTER_SINK = "dead-letter-sink";
    /** The batch buffer; its changelog topic is {@code <application id>-pending-windows-changelog}. */
    public static final String PENDING_STORE = "pending-windows";
    /** Unless the client settings say otherwise (e.g. {@code KAFKA_COMMIT_INTERVAL_MS}). */
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 1000;

    /**
     * Unless the client settings say otherwise ({@code KAFKA_NUM_STREAM_THREADS}): two, or one where the JVM has one
     * core (a container limited to one), where a second forward pass could only take turns with the first.
     */
    public static int defaultStreamThreads() {
        return Math.min(2, Runtime.getRuntime().availableProcessors());
    }

    /** The producer's batch size, unless the client settings say otherwise: a commit's labels in few requests. */
    static final int PRODUCER_BATCH_BYTES = 256 * 1024;

    private TeacherTopology() {}

    /**
     * Reads the input as raw bytes (decoding is the processor's job, so bad bytes become dead letters rather than
     * deserialization failures) and writes SoftLabels values it encodes itself (so it can count their bytes).
     */
    public static Topology buildTopology(TeacherConfig config, TeacherModel teacher, TeacherMetrics metrics) {
        return buildTopology(config, teacher, metrics, partition -> InputGaps.Watch.NONE);
    }

    /** As above, with each input partition's offsets watched for retention gaps while running. */
    static Topology buildTopology(
            TeacherConfig config, TeacherModel teacher, TeacherMetrics metrics, IntFunction<InputGaps.Watch> gaps) {
        config.checkFits(teacher);
        // built once (the vocabulary's prefix tree), shared by every task
        ByteLabeler bytes =
                config.projectBytes() ? new ByteLabeler(teacher, config.codec(), config.temperature()) : null;
        Topology topology = new Topology();
        topology.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), config.inputTopic());
        topology.addProcessor(PROCESSOR, () -> new TeacherProcessor(config, teacher, bytes, metrics, gaps), SOURCE);
        // In memory is enough: the buffer holds about one batch, and its changelog is what makes it durable.
        topology.addStateStore(
                Stores.keyValueStoreBuilder(
                                Stores.inMemoryKeyValueStore(PENDING_STORE), Serdes.Bytes(), Serdes.ByteArray())
                        .withLoggingEnabled(Map.of())
                        .withCachingDisabled(),
                PROCESSOR);
        topology.addSink(
                SOFT_LABELS_SINK,
                config.outputTopic(),
                new ByteArraySerializer(),
                new ByteArraySerializer(),
                PROCESSOR);
        topology.addSink(
                DEAD_LETTER_SINK,
                config.deadLetterTopic(),
                new ByteArraySerializer(),
                new ByteArraySerializer(),
                PROCESSOR);
        return topology;
    }

    /**
     * The Streams settings: the client settings passed through (security, and any Streams, consumer or producer
     * setting the operator wants, e.g. {@code KAFKA_NUM_STREAM_THREADS=1}), then what the teacher's guarantees
     * need, which cannot be overridden: the application id, {@code exactly_once_v2} and the state directory.
     */
    public static Properties streamsConfig(String applicationId, Properties clientSettings, Path stateDir) {
        Properties props = new Properties();
        props.putAll(clientSettings);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        // A new application id starts at the beginning of the text topic: text sent before the teacher started
        // is labelled too.
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // A commit is a transaction the stream thread waits for, between two forward passes. Exactly-once
        // defaults to one every 100 ms, i.e. after every batch of a large model; once a second costs a fifth as
        // much and delays the output by at most a second.
        props.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, DEFAULT_COMMIT_INTERVAL_MS);
        // Two batches in flight: while one stream thread encodes, produces and commits its batch, the other's
        // forward pass has the cores, and two forward passes fill the gaps libtorch's parallel regions leave
        // (docs/benchmarks.md: 13-15% more tokens/s, 0.83 -> 0.99-1.04 of the bare forward loop). Each thread owns
        // whole partitions, so this needs an input topic of two or more (distill creates four), and each holds its
        // own batch's logits.
        props.putIfAbsent(StreamsConfig.NUM_STREAM_THREADS_CONFIG, defaultStreamThreads());
        // A batch's labels become visible at the next commit and not before (read_committed), so sending them
        // earlier buys no latency. Sent at once (Streams lingers 100 ms, and a 128-position window's record of
        // 9-13 KB with topk:32 fills a 16 KB batch by itself), they wake the producer's sender and the broker a
        // request at a time during the next forward pass, on the cores libtorch computes on. So the producer
        // lingers up to the commit, which flushes it in few requests while the stream thread waits anyway.
        defaultProducerSetting(
                props,
                ProducerConfig.LINGER_MS_CONFIG,
                props.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG).toString());
        defaultProducerSetting(props, ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(PRODUCER_BATCH_BYTES));
        return props;
    }

    /** Sets a producer setting unless the client settings name it, with the {@code producer.} prefix or without. */
    private static void defaultProducerSetting(Properties props, String name, String value) {
        if (!props.containsKey(name) && !props.containsKey(StreamsConfig.producerPrefix(name))) {
            props.put(StreamsConfig.producerPrefix(name), value);
        }
    }
}
