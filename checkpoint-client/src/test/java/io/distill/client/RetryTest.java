package io.distill.client;

import static io.distill.client.CheckpointClientTest.announcement;
import static io.distill.client.CheckpointClientTest.bundleZip;
import static io.distill.client.CheckpointClientTest.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.schemas.CheckpointPublished;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A download that fails is tried again after doubling waits; a refusal is not; closing the client ends a wait. */
class RetryTest {
    private static final Duration BACKOFF = Duration.ofMillis(100);
    private static final DownloadPolicy POLICY = DownloadPolicy.defaults().withRetries(4, BACKOFF);

    @Test
    void aDownloadThatFailsTwiceIsRetriedWithDoublingWaitsAndThenPulled(@TempDir Path dir) throws Exception {
        Path zip = bundleZip(dir);
        byte[] bytes = Files.readAllBytes(zip);
        try (ArtifactServer server = new ArtifactServer((exchange, n) -> {
            if (n <= 2) {
                exchange.sendResponseHeaders(503, -1); // the trainer is restarting
            } else {
                ArtifactServer.send(exchange, bytes);
            }
        })) {
            CheckpointPublished a = served(server, zip);
            Path out = client(POLICY).pull(a, dir.resolve("out"));
            assertTrue(Files.isRegularFile(out.resolve("config.json")));
            List<Long> at = server.requestNanos();
            assertEquals(3, at.size());
            assertTrue(at.get(1) - at.get(0) >= BACKOFF.toNanos(), "first wait " + (at.get(1) - at.get(0)));
            assertTrue(at.get(2) - at.get(1) >= 2 * BACKOFF.toNanos(), "second wait " + (at.get(2) - at.get(1)));
        }
    }

    @Test
    void aDownloadThatKeepsFailingIsGivenUpAfterTheLastAttempt(@TempDir Path dir) throws Exception {
        Path zip = bundleZip(dir);
        try (ArtifactServer server = new ArtifactServer((exchange, n) -> exchange.sendResponseHeaders(500, -1))) {
            CheckpointRefusedException e = assertThrows(CheckpointRefusedException.class, () -> client(POLICY)
                    .pull(served(server, zip), dir.resolve("out")));
            assertTrue(e.getMessage().contains("download failed 4 times, giving up on this version"), e.getMessage());
            assertTrue(e.getMessage().contains("answered 500"), e.getMessage());
            assertEquals(4, server.requestNanos().size());
        }
    }

    @Test
    void aRefusedConnectionIsNamedAsSuchNotNull(@TempDir Path dir) throws Exception {
        Path zip = bundleZip(dir);
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        CheckpointPublished a = announcement(zip, sha256(zip), Files.size(zip));
        a.setUri("http://127.0.0.1:" + closedPort + "/checkpoints/alice/7");
        CheckpointRefusedException e = assertThrows(CheckpointRefusedException.class, () -> client(
                        DownloadPolicy.defaults().withRetries(2, Duration.ofMillis(1)))
                .pull(a, dir.resolve("out")));
        assertTrue(e.getMessage().endsWith("GET " + a.getUri() + ": connection refused"), e.getMessage());
        assertFalse(e.getMessage().contains("null"), e.getMessage());
    }

    @Test
    void aHashMismatchIsRefusedAtOnceNotRetried(@TempDir Path dir) throws Exception {
        Path zip = bundleZip(dir);
        byte[] bytes = Files.readAllBytes(zip);
        try (ArtifactServer server = new ArtifactServer((exchange, n) -> ArtifactServer.send(exchange, bytes))) {
            CheckpointPublished a = served(server, zip);
            a.setSha256("0".repeat(64));
            assertThrows(CheckpointRefusedException.class, () -> client(POLICY).pull(a, dir.resolve("out")));
            assertEquals(1, server.requestNanos().size());
        }
    }

    @Test
    void closingTheClientEndsTheWaitBetweenAttempts(@TempDir Path dir) throws Exception {
        Path zip = bundleZip(dir);
        try (ArtifactServer server = new ArtifactServer((exchange, n) -> exchange.sendResponseHeaders(503, -1))) {
            CheckpointClient client = client(DownloadPolicy.defaults().withRetries(2, Duration.ofMinutes(10)));
            CheckpointPublished a = served(server, zip);
            CompletableFuture<Throwable> pulling = CompletableFuture.supplyAsync(() -> {
                try {
                    client.pull(a, dir.resolve("out"));
                    return null;
                } catch (Exception e) {
                    return e;
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (server.requestNanos().isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "no request within 30 s");
                Thread.onSpinWait();
            }
            client.close();
            Throwable e = pulling.get(30, TimeUnit.SECONDS); // not the 10 minutes of the backoff
            assertTrue(e instanceof CheckpointRefusedException, String.valueOf(e));
            assertTrue(e.getMessage().contains("closed while retrying"), e.getMessage());
        }
    }

    private static CheckpointPublished served(ArtifactServer server, Path zip) throws Exception {
        CheckpointPublished a = announcement(zip, sha256(zip), Files.size(zip));
        a.setUri(server.uri("/checkpoints/alice/7"));
        return a;
    }

    private static CheckpointClient client(DownloadPolicy policy) {
        return new CheckpointClient(new Properties(), "unused", Path.of("unused"), policy);
    }
}
