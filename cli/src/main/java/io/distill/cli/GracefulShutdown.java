package io.distill.cli;

import java.util.concurrent.CountDownLatch;

/**
 * Lets SIGTERM or Ctrl-C stop a command that runs until stopped, and holds the JVM's exit until the command has wound
 * down (a trainer saves its last checkpoint then): a shutdown hook calls {@code stop} and waits for {@link #close}.
 *
 * <pre>
 * try (GracefulShutdown shutdown = new GracefulShutdown("train-shutdown", trainer::stop)) {
 *     trainer.run();
 * }
 * </pre>
 */
final class GracefulShutdown implements AutoCloseable {
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread hook;

    GracefulShutdown(String threadName, Runnable stop) {
        hook = new Thread(
                () -> {
                    stop.run();
                    try {
                        done.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                threadName);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The command has wound down: a shutdown under way may finish, and none is waited for any more. */
    @Override
    public void close() {
        done.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down already: the hook is what stopped the command
        }
    }
}
