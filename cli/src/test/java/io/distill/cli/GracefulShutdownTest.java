package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** SIGTERM played by calling the hook's body in a thread: stop once, close after stop, exit after close. */
class GracefulShutdownTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);

    @Test
    void withoutAShutdownCloseRemovesTheHookAndNeverStops() {
        AtomicInteger stops = new AtomicInteger();
        GracefulShutdown shutdown = new GracefulShutdown("test-shutdown", stops::incrementAndGet);
        shutdown.close();
        assertFalse(Runtime.getRuntime().removeShutdownHook(shutdown.hook()), "the hook is gone after close");
        assertEquals(0, stops.get());
        assertFalse(shutdown.isRequested());
        shutdown.close(); // closing twice is harmless
    }

    @Test
    void stopRunsOnceHoweverOftenItIsRequested() {
        AtomicInteger stops = new AtomicInteger();
        try (GracefulShutdown shutdown = new GracefulShutdown("test-shutdown", stops::incrementAndGet)) {
            shutdown.requestStop();
            shutdown.requestStop();
            assertTrue(shutdown.isRequested());
        }
        assertEquals(1, stops.get());
    }

    @Test
    void theHookStopsTheCommandAndWaitsUntilItHasWoundDown() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        CountDownLatch commandStopped = new CountDownLatch(1);
        GracefulShutdown shutdown = new GracefulShutdown("test-shutdown", () -> {
            events.add("stop");
            commandStopped.countDown();
        });
        Thread sigterm = new Thread(
                () -> {
                    shutdown.stopAndAwaitClose();
                    events.add("exit");
                },
                "sigterm");
        sigterm.start();
        assertTrue(commandStopped.await(10, TimeUnit.SECONDS));
        shutdown.awaitStopped();
        sigterm.join(200);
        assertTrue(sigterm.isAlive(), "the exit waits for the command to wind down");
        events.add("wound down");
        shutdown.close();
        sigterm.join(LIMIT.toMillis());
        assertFalse(sigterm.isAlive());
        assertEquals(List.of("stop", "wound down", "exit"), events);
    }

    @Test
    void closeWaitsForAStopUnderWayBeforeTheCommandReleasesWhatStopUses() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        CountDownLatch stopEntered = new CountDownLatch(1);
        CountDownLatch letStopFinish = new CountDownLatch(1);
        GracefulShutdown shutdown = new GracefulShutdown("test-shutdown", () -> {
            stopEntered.countDown();
            await(letStopFinish);
            events.add("stop finished");
        });
        Thread sigterm = new Thread(shutdown::stopAndAwaitClose, "sigterm");
        sigterm.start();
        assertTrue(stopEntered.await(10, TimeUnit.SECONDS));
        Thread command = new Thread(
                () -> {
                    shutdown.close();
                    events.add("closed"); // the command would now close its model
                },
                "command");
        command.start();
        command.join(200);
        assertTrue(command.isAlive(), "close waits while stop runs");
        letStopFinish.countDown();
        assertTimeoutPreemptively(LIMIT, () -> {
            command.join();
            sigterm.join();
        });
        assertEquals(List.of("stop finished", "closed"), events);
    }

    @Test
    void aBoundedWaitLetsTheJvmExitWhenTheCommandHangs() {
        GracefulShutdown shutdown = new GracefulShutdown("test-shutdown", Duration.ofMillis(50), () -> {});
        assertTimeoutPreemptively(LIMIT, shutdown::stopAndAwaitClose);
        shutdown.close();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
