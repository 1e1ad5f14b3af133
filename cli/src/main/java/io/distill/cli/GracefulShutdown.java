package io.distill.cli;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one way a command that runs until stopped (teacher, trainer, broker, demo, follow) reacts to SIGTERM or
 * Ctrl-C: a shutdown hook runs the command's {@code stop} action once, then holds the JVM's exit until the command
 * has wound down and closed this (a trainer saves its last checkpoint then, the demo prints its summary).
 *
 * <p>Ordering: {@code stop} runs at most once, however often a shutdown is requested; {@link #close} returns only
 * after a {@code stop} under way has finished, so what the command closes next (a model, a broker) is no longer in
 * use by it; the hook returns only after {@link #close} (or after {@code maxWait}).
 *
 * <pre>
 * try (GracefulShutdown shutdown = new GracefulShutdown("train-shutdown", trainer::stop)) {
 *     trainer.run();
 * }
 * </pre>
 */
public final class GracefulShutdown implements AutoCloseable {
    /** How long the exit waits for a command to wind down when it does not say: as long as it takes. */
    private static final Duration NO_LIMIT = Duration.ofMillis(Long.MAX_VALUE);

    private final Runnable stop;
    private final Duration maxWait;
    private final AtomicBoolean requested = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread hook;

    /** A shutdown that waits as long as the command needs to wind down (the trainer's last checkpoint). */
    public GracefulShutdown(String threadName, Runnable stop) {
        this(threadName, NO_LIMIT, stop);
    }

    /** A shutdown that lets the JVM exit after {@code maxWait} even if the command has not wound down by then. */
    public GracefulShutdown(String threadName, Duration maxWait, Runnable stop) {
        this.stop = Objects.requireNonNull(stop, "stop");
        this.maxWait = Objects.requireNonNull(maxWait, "maxWait");
        hook = new Thread(this::stopAndAwaitClose, threadName);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Asks the command to stop: runs {@code stop} unless a shutdown was requested before. */
    public void requestStop() {
        if (requested.compareAndSet(false, true)) {
            try {
                stop.run();
            } finally {
                stopped.countDown();
            }
        }
    }

    /** Whether a shutdown was requested: for commands that poll rather than being stopped. */
    public boolean isRequested() {
        return requested.get();
    }

    /** Blocks until a shutdown was requested and its {@code stop} has run: for commands that only serve. */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /** What the shutdown hook does; package-private so tests can play SIGTERM without ending the JVM. */
    void stopAndAwaitClose() {
        requestStop();
        try {
            done.await(maxWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The command has wound down: the JVM may exit. Without a shutdown under way the hook is removed; with one, this
     * first waits for its {@code stop} to finish.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean hookRemoved;
        try {
            hookRemoved = Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            hookRemoved = false; // the JVM is shutting down: the hook has started or is about to
        }
        try {
            if (!hookRemoved || requested.get()) {
                stopped.await(maxWait.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            done.countDown();
        }
    }

    /** The hook's thread, for tests: removed once closed. */
    Thread hook() {
        return hook;
    }
}
