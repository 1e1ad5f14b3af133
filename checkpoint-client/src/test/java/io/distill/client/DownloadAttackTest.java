package io.distill.client;

import static io.distill.client.CheckpointClientTest.announcement;
import static io.distill.client.CheckpointClientTest.bundleZip;
import static io.distill.client.CheckpointClientTest.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.schemas.CheckpointPublished;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What someone who can write an announcement could try, each refused with a bounded amount of disk written: a local
 * device, an endless body, a zip bomb whose hash matches, too many entries, and entries that climb out of the
 * unpacking directory. Artifacts are served over a real HTTP server on 127.0.0.1.
 */
class DownloadAttackTest {
    private static final DownloadPolicy FAST = DownloadPolicy.defaults().withRetries(4, Duration.ofMillis(50));

    private static CheckpointClient client(DownloadPolicy policy) {
        return new CheckpointClient(new Properties(), "unused", Path.of("unused"), policy);
    }

    @Test
    void fileDevZeroIsRefusedWithoutOptInAndAsNoRegularFileWithIt(@TempDir Path dir) throws Exception {
        Path devZero = Path.of("/dev/zero");
        Path link = Files.createSymbolicLink(dir.resolve("innocent.zip"), devZero);
        for (Path target : List.of(devZero, link)) {
            CheckpointPublished a = announcement(target, "0".repeat(64), 1L << 30);
            CheckpointRefusedException byDefault = assertThrows(
                    CheckpointRefusedException.class, () -> client(FAST).pull(a, dir.resolve("out")));
            assertTrue(
                    byDefault.getMessage().contains("file:// URIs are followed only when allowed"),
                    byDefault.getMessage());
            CheckpointRefusedException optedIn =
                    assertThrows(CheckpointRefusedException.class, () -> client(FAST.withFileUris(true))
                            .pull(a, dir.resolve("out")));
            assertTrue(optedIn.getMessage().contains("is not a regular file"), optedIn.getMessage());
        }
        assertEquals(0, bytesUnder(dir.resolve("out")));

        // Even were the check passed, reading stops one byte past the announced size and nothing past it is written.
        Path file = dir.resolve("download");
        CheckpointPublished small = announcement(devZero, "0".repeat(64), 4096);
        CheckpointRefusedException bounded;
        try (var zeros = Files.newInputStream(devZero)) {
            bounded = assertThrows(
                    CheckpointRefusedException.class, () -> ArtifactFetcher.copyBounded(small, zeros, file));
        }
        assertTrue(bounded.getMessage().contains("more than the announced 4096 bytes"), bounded.getMessage());
        assertTrue(Files.size(file) <= 4096, "wrote " + Files.size(file));
    }

    @Test
    void anEndlessHttpBodyIsRefusedAfterTheAnnouncedSize(@TempDir Path dir) throws Exception {
        long announced = 256 * 1024;
        try (ArtifactServer server = new ArtifactServer((exchange, n) -> {
            exchange.sendResponseHeaders(200, 0); // chunked, no length: the body only ends when the client hangs up
            byte[] zeros = new byte[64 * 1024];
            try (OutputStream out = exchange.getResponseBody()) {
                for (long sent = 0; sent < (4L << 30); sent += zeros.length) {
                    out.write(zeros);
                }
            }
        })) {
            CheckpointPublished a = announcement(dir.resolve("x.zip"), "0".repeat(64), announced);
            a.setUri(server.uri("/checkpoints/alice/7"));
            Path file = dir.resolve("download");
            CheckpointRefusedException e = assertThrows(
                    CheckpointRefusedException.class,
                    () -> new ArtifactFetcher(FAST, new java.util.Properties()).fetch(a, file));
            assertTrue(e.getMessage().contains("more than the announced " + announced + " bytes"), e.getMessage());
            assertTrue(Files.size(file) <= announced, "wrote " + Files.size(file));
            assertEquals(1, server.requestNanos().size(), "a refusal is not retried");

            assertThrows(CheckpointRefusedException.class, () -> client(FAST).pull(a, dir.resolve("out")));
            assertEquals(0, bytesUnder(dir.resolve("out")), "nothing is left behind");
        }
    }

    @Test
    void aZipBombWhoseHashMatchesIsRefusedWithinItsExpansionLimit(@TempDir Path dir) throws Exception {
        Path bomb = dir.resolve("bomb.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(bomb))) {
            out.putNextEntry(new ZipEntry("model.params")); // deflated: 256 MiB of zeros in about 250 KiB
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 256; i++) {
                out.write(zeros);
            }
            out.closeEntry();
        }
        long size = Files.size(bomb);
        assertTrue(size < (1 << 20), "the bomb is small: " + size);
        byte[] bytes = Files.readAllBytes(bomb);
        try (ArtifactServer server = new ArtifactServer((exchange, n) -> ArtifactServer.send(exchange, bytes))) {
            CheckpointPublished a = announcement(bomb, sha256(bomb), size);
            a.setUri(server.uri("/checkpoints/alice/7"));
            CheckpointRefusedException e = assertThrows(
                    CheckpointRefusedException.class, () -> client(FAST).pull(a, dir.resolve("out")));
            assertTrue(e.getMessage().contains("unpacks to more than " + size * 16 + " bytes"), e.getMessage());
            assertEquals(0, bytesUnder(dir.resolve("out")), "nothing is left behind");
        }

        // What the unpacker writes before it refuses is within the limit, not the 256 MiB the bomb holds.
        long limit = DownloadPolicy.defaults().unpackedLimit(size);
        Path unpacked = dir.resolve("unpacked");
        assertThrows(CheckpointRefusedException.class, () -> new BundleUnpacker(limit, 64).unzip(bomb, unpacked));
        assertTrue(bytesUnder(unpacked) <= limit, bytesUnder(unpacked) + " bytes written");
    }

    @Test
    void anArchiveWithMoreEntriesThanAllowedIsRefused(@TempDir Path dir) throws Exception {
        Path zip = dir.resolve("many.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            for (int i = 0; i < 65; i++) {
                out.putNextEntry(new ZipEntry("f" + i));
                out.closeEntry();
            }
        }
        CheckpointRefusedException e =
                assertThrows(CheckpointRefusedException.class, () -> client(FAST.withFileUris(true))
                        .pull(announcement(zip, sha256(zip), Files.size(zip)), dir.resolve("out")));
        assertTrue(e.getMessage().contains("more than 64 files"), e.getMessage());
        assertEquals(0, bytesUnder(dir.resolve("out")));
    }

    @Test
    void entriesThatClimbOutAreRefusedAndNothingLandsWhereTheyPoint(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        // pull unpacks into out/alice/.tmp-<uuid>/, so "../evil" would land in out/alice/evil, "../../evil" in out/evil
        Map<String, Path> landing = Map.of(
                "../evil",
                out.resolve("alice/evil"),
                "../../evil",
                out.resolve("evil"),
                "../../../evil",
                dir.resolve("evil"),
                dir.resolve("abs-evil").toString(),
                dir.resolve("abs-evil"),
                "sub/evil",
                out.resolve("alice/sub/evil"),
                "..",
                out.resolve("alice"));
        Path zip = bundleZip(dir);
        Set<Path> before = files(dir);
        for (Map.Entry<String, Path> evil : landing.entrySet()) {
            Path crafted = dir.resolve("crafted.zip");
            try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(crafted))) {
                z.putNextEntry(new ZipEntry("config.json")); // a good entry first: unpacking has begun
                z.write(Files.readAllBytes(zip), 0, 10);
                z.closeEntry();
                z.putNextEntry(new ZipEntry(evil.getKey()));
                z.write("pwned".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                z.closeEntry();
            }
            CheckpointPublished a = announcement(crafted, sha256(crafted), Files.size(crafted));
            Exception refused = null;
            try {
                client(FAST.withFileUris(true)).pull(a, out);
            } catch (Exception e) {
                refused = e;
            }
            assertFalse(Files.isRegularFile(evil.getValue()), evil.getKey() + " landed at " + evil.getValue());
            assertTrue(refused instanceof CheckpointRefusedException, evil.getKey() + ": " + refused);
            Files.delete(crafted);
        }
        Set<Path> after = files(dir);
        after.removeAll(before);
        assertEquals(Set.of(), after, "no file appeared anywhere");
    }

    private static Set<Path> files(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile).collect(Collectors.toSet());
        }
    }

    static long bytesUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            long total = 0;
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                total += Files.size(p);
            }
            return total;
        }
    }
}
