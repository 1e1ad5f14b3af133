package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.cli.demo.ChildService;
import io.distill.kafkakit.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 item 11: the broker stops and comes back (same data, same port) while the teacher and the trainer run as
 * child JVMs with text arriving. Both resume by themselves; the read_committed output has every window exactly once,
 * and the model is trained on every window exactly once. The test has its own persistent broker, since it stops it.
 */
class BrokerRestartIT {
    private static final Duration OUTAGE = Duration.ofSeconds(8);

    @Test
    void bothServicesResumeAfterABrokerRestartUnderLoadAndNothingIsLostOrDoubled(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("kafka");
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(data, 0, false, Map.of());
        int port = broker.port();
        String bootstrap = broker.bootstrapServers();
        Pipeline pipeline = new Pipeline(bootstrap, "restart", dir);
        pipeline.createTopics();
        Map<String, Integer> docs = pipeline.documents(new SplittableRandom(7), 120);
        List<ProducerRecord<byte[], byte[]>> records = pipeline.records(docs);
        List<String> expected = Pipeline.expectedWindows(docs);
        try (ChildService teacher = pipeline.startTeacher("teacher.log");
                ChildService trainer = pipeline.startTrainer("trainer.log", 2)) {
            List<ChildService> services = List.of(teacher, trainer);
            send(bootstrap, records.subList(0, 60));
            // Under load: the first half is being labelled and trained when the broker goes.
            Pipeline.await(
                    Duration.ofSeconds(120),
                    services,
                    () -> pipeline.trainedWindows().size() >= 40);
            int trainedBefore = pipeline.trainedWindows().size();
            broker.close();
            long stopped = System.nanoTime();
            Thread.sleep(OUTAGE.toMillis()); // the outage itself: both services must ride it out
            assertTrue(teacher.isAlive() && trainer.isAlive(), "both survive the outage");
            broker = EmbeddedKafkaBroker.start(data, port, false, Map.of());
            double downFor = (System.nanoTime() - stopped) / 1e9;
            send(bootstrap, records.subList(60, records.size()));

            Pipeline.await(Duration.ofSeconds(180), services, () -> pipeline.trainedWindows()
                    .keySet()
                    .containsAll(expected));
            double resumedAfter = (System.nanoTime() - stopped) / 1e9;
            Map<String, Integer> labelled;
            try (TopicTail output = new TopicTail(bootstrap, pipeline.labels())) {
                long quietUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < quietUntil) {
                    output.poll();
                }
                labelled = pipeline.labelledWindows(output.poll());
            }
            Map<String, Integer> trained = pipeline.trainedWindows();
            assertTrue(teacher.isAlive() && trainer.isAlive(), "both still up");
            for (String window : expected) {
                assertEquals(1, labelled.getOrDefault(window, 0), "labelled once: " + window);
                assertEquals(1, trained.getOrDefault(window, 0), "trained once: " + window);
            }
            assertEquals(expected.size(), labelled.size(), "nothing else labelled");
            assertEquals(expected.size(), trained.size(), "nothing else trained");
            System.out.printf(
                    "BROKER RESTART RESULT: %d documents (%d windows); broker stopped with %d windows trained, back"
                            + " after %.1f s; every window labelled once (read_committed) and trained once, %.1f s"
                            + " after the stop; teacher and trainer never restarted%n",
                    docs.size(), expected.size(), trainedBefore, downFor, resumedAfter);
        } catch (AssertionError | RuntimeException e) {
            pipeline.printLogs("teacher.log", "trainer.log");
            throw e;
        } finally {
            broker.close();
        }
    }

    private static void send(String bootstrap, List<ProducerRecord<byte[], byte[]>> records) {
        try (var producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            records.forEach(producer::send);
            producer.flush();
        }
    }
}
