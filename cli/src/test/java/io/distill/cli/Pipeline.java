package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.cli.demo.ChildService;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TextSample;
import io.distill.teacher.Windowing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The whole pipeline for integration tests: `distill teacher` and `distill train` as child JVMs with a
 * container-sized heap, on topics {@code PREFIX.text}, {@code PREFIX.soft-labels} and {@code PREFIX.dead-letters},
 * and what a test needs to check it end to end: good documents, the windows they must give, how often each was
 * labelled (read_committed output) and trained (the trainer's log of trained windows).
 */
final class Pipeline {
    static final int CONTEXT = 32;
    static final int MAX_TEXT_BYTES = 4096;
    private static final List<String> JVM = List.of("-Xmx512m", "-XX:+ExitOnOutOfMemoryError");

    private final String bootstrap;
    private final String prefix;
    private final Path dir;

    Pipeline(String bootstrap, String prefix, Path dir) {
        this.bootstrap = bootstrap;
        this.prefix = prefix;
        this.dir = dir;
    }

    String text() {
        return prefix + ".text";
    }

    String labels() {
        return prefix + ".soft-labels";
    }

    String deadLetters() {
        return prefix + ".dead-letters";
    }

    void createTopics() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(
                            new NewTopic(text(), 2, (short) 1),
                            new NewTopic(labels(), 2, (short) 1),
                            new NewTopic(deadLetters(), 1, (short) 1)))
                    .all()
                    .get();
        }
    }

    ChildService startTeacher(String log) throws IOException {
        List<String> arguments = List.of(
                "teacher",
                "--bootstrap",
                bootstrap,
                "--model-size",
                "tiny",
                "--precision",
                "fp32",
                "--codec",
                "topk:8",
                "--context",
                Integer.toString(CONTEXT),
                "--max-wait",
                "100ms",
                "--max-text-bytes",
                Integer.toString(MAX_TEXT_BYTES),
                "--application-id",
                prefix + "-teacher",
                "--input-topic",
                text(),
                "--output-topic",
                labels(),
                "--dead-letter-topic",
                deadLetters(),
                "--http-port",
                "0");
        return ChildService.start("teacher", JVM, arguments, dir.resolve(log), Map.of());
    }

    /** The trainer, checkpointing every {@code checkpointSeconds} (0: only at shutdown), nothing held out. */
    ChildService startTrainer(String log, int checkpointSeconds) throws IOException {
        List<String> arguments = List.of(
                "train",
                "--bootstrap",
                bootstrap,
                "--student",
                prefix,
                "--size",
                "tiny",
                "--precision",
                "fp32",
                "--soft-labels-topic",
                labels(),
                "--checkpoints-topic",
                prefix + ".checkpoints",
                "--dead-letter-topic",
                deadLetters(),
                "--checkpoint-dir",
                dir.resolve("checkpoints").toString(),
                "--checkpoint-every-steps",
                "0",
                "--checkpoint-every-seconds",
                Integer.toString(checkpointSeconds),
                "--batch",
                "8",
                "--batch-wait",
                "200ms",
                "--http-port",
                "-1",
                "--holdout-percent",
                "0",
                "--on-tokenizer-mismatch",
                "dead-letter",
                "--trained-log",
                trainedLog().toString());
        return ChildService.start("trainer", JVM, arguments, dir.resolve(log), Map.of());
    }

    Path trainedLog() {
        return dir.resolve("trained.log");
    }

    /** Documents {@code PREFIX-N} of 2..300 bytes, with their sizes (bytes are tokens for the byte tokenizer). */
    Map<String, Integer> documents(SplittableRandom random, int count) {
        Map<String, Integer> docs = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            docs.put(prefix + "-" + i, 2 + random.nextInt(299));
        }
        return docs;
    }

    /** The documents as records for the text topic, alternately Avro {@code TextSample}s and plain UTF-8. */
    List<ProducerRecord<byte[], byte[]>> records(Map<String, Integer> docs) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (var doc : docs.entrySet()) {
            String text = text(doc.getKey(), doc.getValue());
            byte[] value = records.size() % 2 == 0
                    ? DistillSerdes.textSample()
                            .encode(TextSample.newBuilder()
                                    .setId(doc.getKey())
                                    .setText(text)
                                    .setCreatedAt(Instant.now())
                                    .build())
                    : text.getBytes(StandardCharsets.UTF_8);
            records.add(new ProducerRecord<>(text(), doc.getKey().getBytes(StandardCharsets.UTF_8), value));
        }
        return records;
    }

    /** ASCII text of exactly {@code length} bytes, starting with its id. */
    static String text(String id, int length) {
        StringBuilder sb = new StringBuilder(id).append(": ");
        while (sb.length() < length) {
            sb.append("the student learns from the teacher ");
        }
        return sb.substring(0, length);
    }

    /** Every {@code id#window} the documents must give. */
    static List<String> expectedWindows(Map<String, Integer> docs) {
        List<String> windows = new ArrayList<>();
        docs.forEach((id, length) -> {
            for (int w = 0; w < Windowing.count(length, CONTEXT, CONTEXT); w++) {
                windows.add(id + "#" + w);
            }
        });
        return windows;
    }

    /** How often each {@code id#window} of this pipeline's documents is in the read_committed output. */
    Map<String, Integer> labelledWindows(List<ConsumerRecord<byte[], byte[]>> output) {
        var serde = DistillSerdes.softLabels();
        Map<String, Integer> out = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : output) {
            String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
            if (key.startsWith(prefix + "-")) { // the teacher's output; anything else a test put there itself
                SoftLabels labels = serde.decode(r.value());
                out.merge(labels.getSampleId() + "#" + labels.getWindow(), 1, Integer::sum);
            }
        }
        return out;
    }

    /**
     * How often each {@code id#window} was trained into the current model, by the trainer's log: a resume from
     * the checkpoint of step S drops the entries of later steps, whose training the model no longer holds.
     */
    Map<String, Integer> trainedWindows() {
        List<Map.Entry<Long, String>> history = new ArrayList<>();
        for (String line : readLines(trainedLog())) {
            if (line.startsWith("# resumed step=")) {
                long resumedAt = Long.parseLong(line.substring("# resumed step=".length()));
                history.removeIf(e -> e.getKey() > resumedAt);
                continue;
            }
            String[] f = line.split("\t");
            if (f.length == 3) {
                history.add(Map.entry(Long.parseLong(f[0]), f[1] + "#" + f[2]));
            }
        }
        Map<String, Integer> out = new HashMap<>();
        history.forEach(e -> out.merge(e.getValue(), 1, Integer::sum));
        return out;
    }

    /** Waits until {@code done}, failing as soon as a service exits or the time is up. */
    static void await(Duration timeout, List<ChildService> services, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            for (ChildService s : services) {
                assertTrue(s.isAlive(), s.name() + " exited: see " + s.log());
            }
            assertTrue(System.nanoTime() < deadline, "not done within " + timeout);
            Thread.sleep(500);
        }
    }

    /** The end of each service's log, for a failing test's output. */
    void printLogs(String... logs) {
        for (String log : logs) {
            List<String> lines = readLines(dir.resolve(log));
            System.out.println("--- " + log + " (last 40 lines) ---");
            lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.out::println);
        }
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
