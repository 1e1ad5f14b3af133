package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/** A {@link StudentTrainer} running on its own thread, stopped (gracefully) on close. */
final class RunningTrainer implements AutoCloseable {
    final StudentTrainer trainer;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private RunningTrainer(TrainerConfig config) {
        trainer = new StudentTrainer(config);
        thread = new Thread(
                () -> {
                    try {
                        trainer.run();
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                },
                "trainer-" + config.student());
    }

    static RunningTrainer start(TrainerConfig config) {
        RunningTrainer r = new RunningTrainer(config);
        r.thread.start();
        return r;
    }

    TrainerMetrics metrics() {
        return trainer.metrics();
    }

    /** Waits until {@code condition} holds; fails with {@code what} after {@code timeout} or if the trainer died. */
    void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (failure.get() != null) {
                throw new AssertionError("trainer failed while waiting for " + what, failure.get());
            }
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout + " waiting for " + what + progress());
            }
            Thread.sleep(20);
        }
    }

    /** Where the trainer got to, so that a timeout tells a slow trainer from a stuck one. */
    private String progress() {
        TrainerMetrics m = metrics();
        return " (step " + m.step() + ", windows trained " + m.windowsTrained() + ", held out " + m.heldOutRecords()
                + ", dead letters " + m.deadLetters() + ")";
    }

    /** Waits for the trainer to end by itself and returns what it threw, if anything. */
    Throwable awaitFailure(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        if (thread.isAlive()) {
            fail("the trainer did not stop within " + timeout);
        }
        return failure.get();
    }

    @Override
    public void close() {
        trainer.stop();
        try {
            thread.join(120_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while stopping the trainer", e);
        }
        if (thread.isAlive()) {
            fail("the trainer did not stop within 2 minutes");
        }
        Throwable t = failure.get();
        if (t != null) {
            throw new AssertionError("trainer failed", t);
        }
    }
}
