package io.distill.client;

import static io.distill.client.CheckpointClientTest.announcement;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.schemas.CheckpointPublished;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that answers at once and then sends its body a byte at a time, or not at all (a slow-loris): the download
 * is cut off at its body deadline with a one-line reason, on every attempt, so a {@code pull} or {@code follow} is
 * held for a bounded time. Served by a real HTTP server on 127.0.0.1. Without the deadline a test would wait for
 * the whole body, so the timeout fails it instead.
 */
@Timeout(120)
class SlowDownloadTest {
    private static final long SIZE = 100_000;
    private static final Duration DEADLINE = Duration.ofSeconds(1);
    private static final DownloadPolicy TWO_ATTEMPTS = DownloadPolicy.defaults().withRetries(2, Duration.ofMillis(50));

    @Test
    void aBodyTrickledAByteAtATimeIsCutOffAtItsDeadline(@TempDir Path dir) throws Exception {
        assertCutOff(dir, (out) -> {
            for (long sent = 0; sent < SIZE; sent++) {
                out.write('x');
                out.flush();
                Thread.sleep(20); // 50 bytes/s: the whole body would take over half an hour
            }
        });
    }

    @Test
    void aBodyThatNeverComesIsCutOffAtItsDeadline(@TempDir Path dir) throws Exception {
        assertCutOff(dir, (out) -> Thread.sleep(Duration.ofMinutes(10).toMillis()));
    }

    private interface Body {
        void send(OutputStream out) throws Exception;
    }

    private static void assertCutOff(Path dir, Body body) throws Exception {
        try (ArtifactServer server = new ArtifactServer((exchange, n) -> {
            exchange.sendResponseHeaders(200, SIZE);
            try (OutputStream out = exchange.getResponseBody()) {
                body.send(out);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the server is stopping
            } catch (Exception e) {
                // the client hung up
            }
        })) {
            CheckpointPublished a = announcement(dir.resolve("x.zip"), "0".repeat(64), SIZE);
            a.setUri(server.uri("/checkpoints/alice/7"));
            ArtifactFetcher fetcher = new ArtifactFetcher(
                    TWO_ATTEMPTS, new Properties(), new ArtifactFetcher.BodyDeadline(DEADLINE, 1L << 30));
            long start = System.nanoTime();
            CheckpointRefusedException e =
                    assertThrows(CheckpointRefusedException.class, () -> fetcher.fetch(a, dir.resolve("download")));
            double seconds = (System.nanoTime() - start) / 1e9;

            assertTrue(e.getMessage().contains("did not arrive within its deadline of 1 s"), e.getMessage());
            assertTrue(e.getMessage().contains("download failed 2 times"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
            assertEquals(2, server.requestNanos().size(), "a cut-off download is retried like a failed one");
            // two deadlines and a backoff, with room for a loaded machine, far from the body's half hour
            assertTrue(seconds < 2 * DEADLINE.toSeconds() + 8, "cut off after " + seconds + " s");
            assertTrue(Files.size(dir.resolve("download")) < SIZE, "the body never completed");
        }
    }
}
