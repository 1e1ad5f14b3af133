package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.lm.codec.TopK;
import io.distill.schemas.SoftLabels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a trainer process in the middle of training, then a restart: the windows the surviving model was
 * trained on are exactly the produced ones (held-out ones excepted), each once.
 *
 * <p>What "trained on" means after a crash: the restarted trainer continues from its latest checkpoint at step S,
 * so steps after S from before the crash are lost with the process and their windows are read and trained again.
 * The test reads the trainer's log of (step, sample, window) with that rule: at a {@code # resumed step=S} line,
 * entries of steps after S are dropped. It checks that the crash did lose some trained work (otherwise it tested
 * nothing) and that the effective history has every expected window exactly once.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TrainerCrashIT {
    private final EmbeddedKafkaBroker broker;

    TrainerCrashIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    private record Entry(long step, String window) {}

    @Test
    void killMinus9ThenRestartTrainsEveryWindowExactlyOnce(@TempDir Path dir) throws Exception {
        try {
            killAndRestart(dir);
        } catch (AssertionError e) {
            for (int run = 1; run <= 2; run++) {
                Path out = dir.resolve("trainer-" + run + ".out");
                if (Files.exists(out)) {
                    List<String> lines = Files.readAllLines(out);
                    System.out.println("--- trainer run " + run + " (last 40 lines) ---");
                    lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.out::println);
                }
            }
            throw e;
        }
    }

    private void killAndRestart(Path dir) throws Exception {
        String topic = "crash-labels";
        SoftLabelStream.createTopic(broker.bootstrapServers(), topic, 2);
        List<SoftLabels> records = SoftLabelStream.label(SoftLabelStream.documents(150, 200, 8), 60, new TopK(8), 2f);
        SoftLabelStream.produce(broker.bootstrapServers(), topic, records);
        Holdout holdout = new Holdout(TrainerChild.HOLDOUT_PERCENT);
        Map<String, Integer> expected = new HashMap<>();
        for (SoftLabels s : records) {
            if (!holdout.isHeldOut(s.getSampleId())) {
                expected.merge(s.getSampleId() + "#" + s.getWindow(), 1, Integer::sum);
            }
        }
        Path log = dir.resolve("trained.log");
        Path checkpoints = dir.resolve("checkpoints");

        Process first = start(dir, topic, checkpoints, log, 1);
        // Mid-run, after a checkpoint, with trained steps beyond it: the crash must throw work away.
        awaitLog(log, first, 240, entries -> lastStep(entries) >= 47);
        first.destroyForcibly(); // SIGKILL: no shutdown hook, no final checkpoint
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        int trainedBeforeCrash = read(log).size();

        Process second = start(dir, topic, checkpoints, log, 2);
        awaitLog(log, second, 240, entries -> effective(entries).size() >= expected.size());
        second.destroy(); // SIGTERM: finish the step, checkpoint, exit
        assertTrue(second.waitFor(60, TimeUnit.SECONDS), "stops on SIGTERM");

        List<String> lines = Files.readAllLines(log);
        long resumedAt = lines.stream()
                .filter(l -> l.startsWith("# resumed step="))
                .mapToLong(l -> Long.parseLong(l.substring("# resumed step=".length())))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the restart did not resume from a checkpoint"));
        long lost = read(log).stream()
                .limit(trainedBeforeCrash)
                .filter(e -> e.step() > resumedAt)
                .count();
        Map<String, Integer> trained = new HashMap<>();
        for (Entry e : effective(read(log))) {
            trained.merge(e.window(), 1, Integer::sum);
        }
        System.out.printf(
                "kill -9 result: %d windows produced (%d held out), %d trained before the kill, resumed at step %d, "
                        + "%d windows of lost steps retrained, effective history %d windows%n",
                records.size(),
                records.size() - expected.size(),
                trainedBeforeCrash,
                resumedAt,
                lost,
                trained.values().stream().mapToInt(Integer::intValue).sum());
        assertTrue(lost > 0, "the kill must have thrown away trained steps, or it tested nothing");
        assertEquals(expected, trained, "every window exactly once, none held out, none missing");
    }

    private Process start(Path dir, String topic, Path checkpoints, Path log, int run) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Xmx512m",
                "-Dai.djl.offline=true",
                "-DOPT_OUT_TRACKING=true",
                "-Dai.djl.default_engine=PyTorch",
                "-cp",
                System.getProperty("java.class.path"),
                TrainerChild.class.getName(),
                broker.bootstrapServers(),
                topic,
                checkpoints.toString(),
                log.toString()));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("trainer-" + run + ".out").toFile())
                .start();
    }

    private static void awaitLog(Path log, Process process, int seconds, Predicate<List<Entry>> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.test(Files.exists(log) ? read(log) : List.of())) {
            if (!process.isAlive()) {
                fail("the trainer process exited with " + process.exitValue());
            }
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for the trainer's log");
            }
            Thread.sleep(5);
        }
    }

    /** The log's entries in order, with resume markers as entries of step -S. */
    private static List<Entry> read(Path log) throws IOException {
        List<Entry> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("# resumed step=")) {
                out.add(new Entry(-Long.parseLong(line.substring("# resumed step=".length())), null));
            } else if (line.endsWith("\n") || line.split("\t").length == 3) {
                String[] f = line.split("\t");
                out.add(new Entry(Long.parseLong(f[0]), f[1] + "#" + f[2]));
            }
        }
        return out;
    }

    /** The training history the latest model descends from: a resume at S drops entries of steps after S. */
    private static List<Entry> effective(List<Entry> entries) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.window() == null) {
                long resumedAt = -e.step();
                out.removeIf(x -> x.step() > resumedAt);
            } else {
                out.add(e);
            }
        }
        return out;
    }

    private static long lastStep(List<Entry> entries) {
        return entries.stream().mapToLong(Entry::step).max().orElse(0);
    }
}
