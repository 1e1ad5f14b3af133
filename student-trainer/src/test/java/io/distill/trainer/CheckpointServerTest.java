package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointServerTest {

    @Test
    void resolvesVersionsAndLatestInsideThePublishedDirectory(@TempDir Path root) throws Exception {
        Path alice = Files.createDirectories(root.resolve("alice"));
        Files.writeString(alice.resolve("100.zip"), "v100");
        Files.writeString(alice.resolve("20.zip"), "v20");
        assertEquals(alice.resolve("100.zip"), ok(root, "/checkpoints/alice/100"));
        assertEquals(alice.resolve("100.zip"), ok(root, "/checkpoints/alice/latest"), "numeric order, not text");
        assertEquals(404, CheckpointServer.resolve(root, "/checkpoints/alice/7").status());
        assertEquals(
                404, CheckpointServer.resolve(root, "/checkpoints/bob/latest").status());
    }

    @Test
    void refusesPathTraversalInEveryEncoding(@TempDir Path base) throws Exception {
        Path root = Files.createDirectories(base.resolve("published"));
        Files.createDirectories(root.resolve("alice"));
        Files.writeString(base.resolve("secret.zip"), "secret");
        Files.writeString(root.resolve("alice").resolve("1.zip"), "v1");
        String[] attacks = {
            "/checkpoints/../secret",
            "/checkpoints/alice/../../secret",
            "/checkpoints/%2e%2e/secret",
            "/checkpoints/alice/%2e%2e%2f%2e%2e%2fsecret",
            "/checkpoints/alice/..%2F..%2Fsecret",
            "/checkpoints/alice/..%5C..%5Csecret",
            "/checkpoints/..",
            "/checkpoints/alice/.",
            "/checkpoints/%2Ftmp/1",
            "/checkpoints/alice/1%00",
            "/checkpoints/alice/1/extra",
            "/checkpoints//1",
            "/checkpoints/al ice/1",
        };
        for (String attack : attacks) {
            int status = CheckpointServer.resolve(root, attack).status();
            assertTrue(status == 400 || status == 404, attack + " gave " + status);
        }
    }

    /** Issue 11 item 12: checkpoints, /status and /metrics are served to this machine only unless widened. */
    @Test
    // The bound address is what decides who can connect; the tests connect to loopback only, never to this
    // machine's other addresses.
    void bindsLoopbackByDefaultAndEveryInterfaceOnlyWhenAsked(@TempDir Path root) throws Exception {
        TrainerMetrics metrics = new TrainerMetrics("alice");
        try (CheckpointServer local = new CheckpointServer(root, 0, metrics);
                CheckpointServer wide = new CheckpointServer(root, "0.0.0.0", 0, metrics)) {
            assertTrue(
                    local.address().getAddress().isLoopbackAddress(),
                    local.address().toString());
            assertTrue(
                    wide.address().getAddress().isAnyLocalAddress(),
                    wide.address().toString());
        }
    }

    @Test
    void servesArtifactsHealthMetricsAndStatusOverHttp(@TempDir Path root) throws Exception {
        Path alice = Files.createDirectories(root.resolve("alice"));
        byte[] artifact = {1, 2, 3, 4, 5};
        Files.write(alice.resolve("3.zip"), artifact);
        Files.writeString(root.resolve("outside.zip"), "no");
        TrainerMetrics metrics = new TrainerMetrics("alice");
        metrics.running(true);
        metrics.stepped(3, 1536, 2.5f, 1.25f, 3.5f, 1f, 20_000_000L);
        metrics.published(3, Map.of("holdout_bits_per_byte", 2.25, "top1_agreement", 0.5));
        metrics.deadLetter("NON_FINITE");
        try (CheckpointServer server = new CheckpointServer(root, 0, metrics)) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + server.port();
            HttpResponse<byte[]> latest = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/checkpoints/alice/latest"))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, latest.statusCode());
            assertArrayEquals(artifact, latest.body());
            assertEquals(
                    "3", latest.headers().firstValue("X-Checkpoint-Version").orElseThrow());
            assertEquals(
                    400,
                    get(http, base + "/checkpoints/alice/..%2F..%2Foutside").statusCode());
            assertEquals(404, get(http, base + "/checkpoints/alice/4").statusCode());
            HttpResponse<String> health = get(http, base + "/healthz");
            assertEquals(200, health.statusCode());
            HttpResponse<String> prom = get(http, base + "/metrics");
            String page = prom.body();
            assertTrue(page.contains("distill_trainer_steps_total{student=\"alice\"} 3.0\n"), page);
            assertTrue(page.contains("distill_trainer_tokens_total{student=\"alice\"} 1536.0\n"), page);
            assertTrue(page.contains("distill_trainer_ce_loss_nats{student=\"alice\"} 3.5\n"), page);
            assertTrue(
                    page.contains("distill_trainer_dead_letters_total{reason=\"NON_FINITE\",student=\"alice\"} 1.0\n"),
                    page);
            assertTrue(page.contains("distill_trainer_holdout_bits_per_byte{student=\"alice\"} 2.25\n"), page);
            assertTrue(page.contains("distill_trainer_holdout_top1_agreement_ratio{student=\"alice\"} 0.5\n"), page);
            assertTrue(page.contains("distill_trainer_step_seconds_bucket{student=\"alice\",le=\"0.025\"} 1\n"), page);
            assertTrue(page.contains("distill_trainer_checkpoint_download_seconds_count{student=\"alice\"} 1\n"), page);
            assertTrue(page.contains("# TYPE distill_trainer_checkpoint_save_seconds histogram"), page);
            assertTrue(page.contains("jvm_threads_live_threads"), "JVM metrics");
            assertFalse(page.contains("consumer_lag"), "no lag sample while the lag is unknown");
            String status = get(http, base + "/status").body();
            assertTrue(status.contains("\"step\":3") && status.contains("\"consumerLag\""), status);
            assertEquals(200, get(http, base + "/healthz/ready").statusCode());
            metrics.running(false);
            assertEquals(503, get(http, base + "/healthz").statusCode());
            assertEquals(503, get(http, base + "/healthz/ready").statusCode());
            assertEquals(200, get(http, base + "/healthz/live").statusCode()); // serving, so alive
        }
    }

    private static Path ok(Path root, String path) throws Exception {
        CheckpointServer.Lookup lookup = CheckpointServer.resolve(root, path);
        assertEquals(200, lookup.status(), path + ": " + lookup.message());
        return lookup.file().orElseThrow();
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
