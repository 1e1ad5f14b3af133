package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.trainer.StudentTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/** A trainer of `distill train ARGS` running in a thread of this JVM, for integration tests. */
final class TrainerInThread {
    private final StudentTrainer trainer;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    TrainerInThread(String... args) throws Exception {
        TrainCommand train = (TrainCommand) Distill.commandLine(Map.of())
                .parseArgs(args)
                .subcommand()
                .commandSpec()
                .userObject();
        trainer = new StudentTrainer(train.config());
        thread = new Thread(
                () -> {
                    try {
                        trainer.run();
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                },
                "trainer-in-thread");
        thread.start();
    }

    /** Waits until {@code student} has a checkpoint under {@code checkpoints}: it has trained some steps. */
    void awaitCheckpoint(Path checkpoints, String student, Duration timeout) throws Exception {
        Path training = checkpoints.resolve("training").resolve(student);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!hasCheckpoint(training)) {
            assertTrue(thread.isAlive(), "the trainer stopped: " + failure.get());
            assertTrue(System.nanoTime() < deadline, "no checkpoint within " + timeout);
            Thread.sleep(100);
        }
    }

    /** Stops the trainer (it finishes its step, checkpoints and publishes) and checks it did not fail. */
    void stop() throws InterruptedException {
        trainer.stop();
        thread.join(60_000);
        assertNull(failure.get());
    }

    private static boolean hasCheckpoint(Path training) throws IOException {
        if (!Files.isDirectory(training)) {
            return false;
        }
        try (Stream<Path> s = Files.list(training)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("step-"));
        }
    }
}
