package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.cli.demo.ChildService;
import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.lm.codec.TopK;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.schemas.DeadLetter;
import io.distill.schemas.SoftLabels;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TextLabeler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 item 6: thousands of generated bad records ({@link BadRecords}) mixed with good ones, through the teacher
 * and the trainer running as child JVMs with a container-sized heap, on the real broker. Both stay up, every bad
 * record is dead-lettered once with a reason, every good record is labelled and trained exactly once. The seed is
 * printed; {@code -Dfuzz.seed=N} replays a run.
 */
@ExtendWith(KafkaBrokerExtension.class)
class FuzzIT {
    private final EmbeddedKafkaBroker broker;

    FuzzIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    /** Where one produced record landed. */
    private record Sent(String topic, int partition, long offset) {
        static Sent of(RecordMetadata m) {
            return new Sent(m.topic(), m.partition(), m.offset());
        }
    }

    /** One record to send: bad (with what it is) or good ({@code bad == null}). */
    private record Outgoing(ProducerRecord<byte[], byte[]> record, BadRecords.Bad bad) {}

    @Test
    void badRecordsAreDeadLetteredAndEveryGoodOneIsLabelledAndTrainedOnce(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("fuzz.seed", new Random().nextLong());
        System.out.println("FUZZ seed=" + seed + " (replay with -Dfuzz.seed=" + seed + ")");
        Pipeline pipeline = new Pipeline(broker.bootstrapServers(), "fuzz", dir);
        pipeline.createTopics();
        BadRecords generator = new BadRecords(seed);
        List<BadRecords.Bad> badText = generator.forText(800, 200, 100);
        List<BadRecords.Bad> badLabels = generator.forSoftLabels(baseLabels(), 800, 60, 60);
        Map<String, Integer> goodDocs = pipeline.documents(new SplittableRandom(seed), 60);
        List<String> expected = Pipeline.expectedWindows(goodDocs);

        long started = System.nanoTime();
        try (ChildService teacher = pipeline.startTeacher("teacher.log");
                ChildService trainer = pipeline.startTrainer("trainer.log", 0);
                TopicTail deadLetters = new TopicTail(broker.bootstrapServers(), pipeline.deadLetters());
                TopicTail labels = new TopicTail(broker.bootstrapServers(), pipeline.labels())) {
            List<Outgoing> outgoing = new ArrayList<>();
            pipeline.records(goodDocs).forEach(r -> outgoing.add(new Outgoing(r, null)));
            badText.forEach(b -> outgoing.add(new Outgoing(as(pipeline.text(), b), b)));
            badLabels.forEach(b -> outgoing.add(new Outgoing(as(pipeline.labels(), b), b)));
            Collections.shuffle(outgoing, new Random(seed));
            Map<Sent, BadRecords.Bad> bad = new HashMap<>();
            List<Sent> good = new ArrayList<>();
            produce(outgoing, bad, good);

            Pipeline.await(Duration.ofSeconds(180), List.of(teacher, trainer), () -> {
                Map<Sent, List<String>> reasons = reasonsBySource(deadLetters.poll());
                return pipeline.trainedWindows().keySet().containsAll(expected)
                        && bad.entrySet().stream()
                                .allMatch(e -> e.getValue().mayBeUsable() || reasons.containsKey(e.getKey()));
            });
            // A quiet moment, so that a record labelled, trained or dead-lettered twice would show.
            long quietUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < quietUntil) {
                deadLetters.poll();
                labels.poll();
            }
            assertTrue(teacher.isAlive(), "the teacher stays up");
            assertTrue(trainer.isAlive(), "the trainer stays up");
            double seconds = (System.nanoTime() - started) / 1e9;

            Map<Sent, List<String>> reasons = reasonsBySource(deadLetters.poll());
            Map<String, Integer> byKind = new TreeMap<>();
            Map<String, Integer> byReason = new TreeMap<>();
            int mutantsRejected = 0;
            int mutants = 0;
            for (var e : bad.entrySet()) {
                List<String> r = reasons.getOrDefault(e.getKey(), List.of());
                byKind.merge(e.getKey().topic() + " " + e.getValue().kind(), 1, Integer::sum);
                r.forEach(reason -> byReason.merge(reason, 1, Integer::sum));
                if (e.getValue().mayBeUsable()) {
                    mutants++;
                    mutantsRejected += r.size();
                    assertTrue(r.size() <= 1, "a mutant dead-lettered " + r.size() + " times: " + e.getKey());
                } else {
                    assertEquals(
                            1, r.size(), "dead letters of " + e.getValue().kind() + " at " + e.getKey() + ": " + r);
                    assertFalse(r.get(0).isBlank(), "a reason for " + e.getKey());
                }
            }
            for (Sent s : good) {
                assertEquals(List.of(), reasons.getOrDefault(s, List.of()), "a good record dead-lettered: " + s);
            }
            Map<String, Integer> labelled = pipeline.labelledWindows(labels.poll());
            Map<String, Integer> trained = pipeline.trainedWindows();
            for (String window : expected) {
                assertEquals(1, labelled.getOrDefault(window, 0), "labelled once: " + window);
                assertEquals(1, trained.getOrDefault(window, 0), "trained once: " + window);
            }
            System.out.printf(
                    "FUZZ RESULT (seed %d): %d bad records (%d mutants, %d of them dead-lettered) among %d good"
                            + " documents (%d windows), %.0f s; both services up; every bad record dead-lettered"
                            + " once, every good window labelled once and trained once%n  sent: %s%n"
                            + "  dead letters by reason: %s%n",
                    seed,
                    bad.size(),
                    mutants,
                    mutantsRejected,
                    goodDocs.size(),
                    expected.size(),
                    seconds,
                    byKind,
                    byReason);
        } catch (AssertionError | RuntimeException e) {
            pipeline.printLogs("teacher.log", "trainer.log");
            throw e;
        }
    }

    private static ProducerRecord<byte[], byte[]> as(String topic, BadRecords.Bad bad) {
        return new ProducerRecord<>(topic, bad.key(), bad.value());
    }

    /** Valid records of the student's tokenizer for the generator to damage, with ids no good record has. */
    private static List<SoftLabels> baseLabels() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            TextLabeler labeler = new TextLabeler(
                    new TeacherModel(Gpt.create(LmConfig.named("tiny"), manager), "stand-in", "1"), new TopK(8), 2f);
            return List.of(
                    labeler.label("base-0", "short", Pipeline.CONTEXT).get(0),
                    labeler.label("base-1", Pipeline.text("base-1", Pipeline.CONTEXT + 1), Pipeline.CONTEXT)
                            .get(0));
        }
    }

    /** Sends the records in order and notes where each landed. */
    private void produce(List<Outgoing> outgoing, Map<Sent, BadRecords.Bad> bad, List<Sent> good) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Outgoing o : outgoing) {
                sent.add(producer.send(o.record()));
            }
            producer.flush();
        }
        for (int i = 0; i < outgoing.size(); i++) {
            Sent where = Sent.of(sent.get(i).get());
            if (outgoing.get(i).bad() == null) {
                good.add(where);
            } else {
                bad.put(where, outgoing.get(i).bad());
            }
        }
    }

    private static Map<Sent, List<String>> reasonsBySource(List<ConsumerRecord<byte[], byte[]>> letters) {
        Map<Sent, List<String>> out = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : letters) {
            Sent source = new Sent(
                    header(r, DeadLetter.SOURCE_TOPIC),
                    Integer.parseInt(header(r, DeadLetter.SOURCE_PARTITION)),
                    Long.parseLong(header(r, DeadLetter.SOURCE_OFFSET)));
            out.computeIfAbsent(source, s -> new ArrayList<>()).add(header(r, DeadLetter.REASON));
        }
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }
}
