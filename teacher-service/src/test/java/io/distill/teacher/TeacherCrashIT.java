package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * kill -9 of the teacher service mid-stream, inside an open transaction, then a restart: a read_committed consumer
 * must see every expected (sample id, window) exactly once. The service runs in a child JVM ({@link TeacherChild})
 * so that the kill is a real SIGKILL: no shutdown hook, no flush, no transaction abort from the client side.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TeacherCrashIT {
    private static final int CONTEXT = 32;
    private static final String PREFIX = "crash";
    private static final String APP = "teacher-crash";

    private final EmbeddedKafkaBroker broker;

    TeacherCrashIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void killMinus9MidStreamThenRestartLosesNothingAndDoublesNothing() throws Exception {
        String bootstrap = broker.bootstrapServers();
        String output = PREFIX + ".soft-labels";
        KafkaTestKit.createTopics(bootstrap, Map.of(PREFIX + ".text", 2, output, 2, PREFIX + ".dead-letters", 1));
        List<KafkaTestKit.Doc> docs = KafkaTestKit.docs(PREFIX, 900, 300, 3);
        List<String> expected = KafkaTestKit.expectedWindows(docs, CONTEXT);
        Path logs = Files.createDirectories(Path.of("target", "crash-it"));

        Process first = null;
        Process second = null;
        try (var producer = KafkaTestKit.producer(bootstrap)) {
            KafkaTestKit.send(producer, PREFIX + ".text", docs.subList(0, 300));
            first = launch(logs.resolve("first.log"));
            awaitLine(logs.resolve("first.log"), "READY", Duration.ofSeconds(90));

            // The rest arrives while the service runs: 600 documents over about 3 s.
            Thread feeder = new Thread(() -> {
                for (int i = 300; i < docs.size(); i += 20) {
                    KafkaTestKit.send(producer, PREFIX + ".text", docs.subList(i, i + 20));
                    sleep(100);
                }
            });
            feeder.start();

            // Kill when some work is committed and a transaction holding output is open (high watermark beyond
            // the last stable offset).
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long committed;
            long written;
            do {
                sleep(20);
                committed = KafkaTestKit.endOffsets(bootstrap, output, "read_committed");
                written = KafkaTestKit.endOffsets(bootstrap, output, "read_uncommitted");
            } while ((committed < 200 || written <= committed) && System.nanoTime() < deadline);
            first.destroyForcibly(); // SIGKILL
            assertTrue(first.waitFor(10, TimeUnit.SECONDS));
            long killedAt = System.nanoTime();
            int pendingAtKill = committedPendingWindows(bootstrap);
            feeder.join();
            assertTrue(committed < expected.size(), "killed mid-stream: " + committed + " of " + expected.size());

            second = launch(logs.resolve("second.log"));
            awaitLine(logs.resolve("second.log"), "READY", Duration.ofSeconds(90));
            double readyAfter = (System.nanoTime() - killedAt) / 1e9;
            KafkaTestKit.Seen seen = KafkaTestKit.readSoftLabels(
                    bootstrap, output, expected.size(), Duration.ofSeconds(120), Duration.ofSeconds(3));
            double completeAfter = (seen.completeNanos() - killedAt) / 1e9;

            assertEquals(List.of(), KafkaTestKit.exactlyOnceProblems(expected, seen.counts()));
            int visible = KafkaTestKit.count(bootstrap, output, "read_committed", Duration.ofSeconds(30));
            int all = KafkaTestKit.count(bootstrap, output, "read_uncommitted", Duration.ofSeconds(30));
            assertEquals(expected.size(), visible);
            System.out.printf(
                    "KILL-9 RESULT: killed with ~%d of %d output offsets committed and %d written (an open transaction);"
                            + " the committed buffer held %d windows; restarted instance RUNNING %.1f s after the kill,"
                            + " all %d windows visible after %.1f s; read_committed saw each exactly once;"
                            + " %d records of aborted transactions exist only for read_uncommitted readers%n",
                    committed,
                    expected.size(),
                    written,
                    pendingAtKill,
                    readyAfter,
                    expected.size(),
                    completeAfter,
                    all - visible);

            second.destroy(); // SIGTERM: a clean shutdown
            assertTrue(second.waitFor(60, TimeUnit.SECONDS), "SIGTERM stops the service");
            assertEquals(143, second.exitValue(), "exit status of a SIGTERM'd JVM");
            assertTrue(Files.readString(logs.resolve("second.log")).contains("STOPPED NOT_RUNNING"));
        } finally {
            if (first != null) {
                first.destroyForcibly();
            }
            if (second != null) {
                second.destroyForcibly();
            }
        }
    }

    /** Windows in the batch buffer as its changelog stood committed: puts not followed by a delete. */
    private int committedPendingWindows(String bootstrap) {
        String changelog = APP + "-" + TeacherTopology.PENDING_STORE + "-changelog";
        Map<String, Boolean> live = new HashMap<>();
        try (var consumer = KafkaTestKit.consumer(bootstrap, changelog, "read_committed")) {
            var end = consumer.endOffsets(consumer.assignment());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    String key = r.partition() + ":" + java.util.HexFormat.of().formatHex(r.key());
                    if (r.value() == null) {
                        live.remove(key);
                    } else {
                        live.put(key, true);
                    }
                }
                boolean done = true;
                for (var e : end.entrySet()) {
                    done &= consumer.position(e.getKey()) >= e.getValue();
                }
                if (done) {
                    break;
                }
            }
        }
        return live.size();
    }

    private Process launch(Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(
                        java,
                        "-Xmx384m",
                        "-Dai.djl.offline=true",
                        "-DOPT_OUT_TRACKING=true",
                        "-Dai.djl.default_engine=PyTorch",
                        "-Dai.djl.pytorch.graph_optimizer=false",
                        "-cp",
                        System.getProperty("java.class.path"),
                        TeacherChild.class.getName(),
                        broker.bootstrapServers(),
                        APP,
                        PREFIX,
                        Integer.toString(CONTEXT),
                        "1000")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static void awaitLine(Path log, String line, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readAllLines(log).contains(line)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + line + " from the child within " + timeout + ":\n" + Files.readString(log));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
