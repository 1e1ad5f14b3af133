package io.distill.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.codec.Codec;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.train.Batch;
import io.distill.lm.train.TrainStep;
import io.distill.schemas.AvroSerde;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TopicSetup;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TextLabeler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** A stand-in for the teacher service in tests: text documents labelled by a tiny local model, put on a topic. */
final class SoftLabelStream {
    static final AvroSerde<SoftLabels> SERDE = DistillSerdes.softLabels();
    private static final String[] WORDS = {
        "the", "student", "learns", "from", "a", "teacher", "over", "kafka", "and", "every", "window", "counts", "once",
        "soft", "labels", "carry", "more", "than", "hard", "ones",
    };

    private SoftLabelStream() {}

    /** {@code n} documents "doc-i" of pseudo-sentences from a 20-word vocabulary: quickly learnable. */
    static List<String[]> documents(int n, int bytesEach, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String[]> docs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            while (sb.length() < bytesEach) {
                sb.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(8) == 0 ? ". " : " ");
            }
            docs.add(new String[] {"doc-" + i, sb.substring(0, bytesEach)});
        }
        return docs;
    }

    private static TeacherModel teacher;

    /**
     * Labels the documents with a tiny teacher trained briefly on text like theirs, through the teacher service's
     * own labelling code.
     */
    static synchronized List<SoftLabels> label(List<String[]> docs, int length, Codec codec, float temperature) {
        TextLabeler labeler = new TextLabeler(teacher(), codec, temperature);
        List<SoftLabels> out = new ArrayList<>();
        for (String[] doc : docs) {
            out.addAll(labeler.label(doc[0], doc[1], length));
        }
        return out;
    }

    /** 150 hard-label steps on this vocabulary of words: enough to know far more than a uniform guess. */
    private static TeacherModel teacher() {
        if (teacher == null) {
            NDManager manager = NDManager.newBaseManager(); // lives as long as the test JVM
            Engine.getInstance().setRandomSeed(11);
            Gpt model = Gpt.create(LmConfig.named("tiny"), manager);
            StringBuilder corpus = new StringBuilder();
            documents(100, 200, 1234).forEach(d -> corpus.append(d[1]));
            int[] ids = ByteTokenizer.get().encode(corpus.toString());
            SplittableRandom random = new SplittableRandom(5);
            try (TrainStep step = new TrainStep(model, manager, TrainStep.Options.defaults(3e-3f, 10))) {
                for (int s = 0; s < 150; s++) {
                    int[][] windows = new int[8][65];
                    for (int[] w : windows) {
                        int start = random.nextInt(ids.length - 65);
                        System.arraycopy(ids, start, w, 0, 65);
                    }
                    try (Batch batch = Batch.fromWindows(manager, windows)) {
                        step.step(batch);
                    }
                }
            }
            teacher = new TeacherModel(model, "tiny-teacher", "1");
        }
        return teacher;
    }

    static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicSetup.ensure(admin, List.of(new TopicSetup.Spec(topic, partitions, false)), 30_000);
        }
    }

    /** Sends the records keyed by sample id in one committed transaction, as the teacher's exactly-once output. */
    static void produce(String bootstrap, String topic, List<SoftLabels> records) {
        List<ProducerRecord<byte[], byte[]>> raw = new ArrayList<>();
        for (SoftLabels s : records) {
            raw.add(new ProducerRecord<>(topic, s.getSampleId().getBytes(StandardCharsets.UTF_8), SERDE.encode(s)));
        }
        produceRaw(bootstrap, raw, true);
    }

    /** Sends raw records in one transaction, committed or aborted. */
    static void produceRaw(String bootstrap, List<ProducerRecord<byte[], byte[]>> records, boolean commit) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-teacher-" + UUID.randomUUID());
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            records.forEach(producer::send);
            if (commit) {
                producer.commitTransaction();
            } else {
                producer.flush();
                producer.abortTransaction();
            }
        }
    }

    /** Reads a topic from the beginning until {@code expected} records arrived or the time is up. */
    static List<ConsumerRecord<byte[], byte[]>> read(String bootstrap, String topic, int expected, Duration timeout) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                "test-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            consumer.poll(Duration.ofMillis(300)).forEach(out::add);
        }
        return out;
    }
}
