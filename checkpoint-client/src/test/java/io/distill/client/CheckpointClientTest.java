package io.distill.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.distill.lm.artifact.ModelBundle;
import io.distill.lm.artifact.WeightFormat;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.schemas.CheckpointPublished;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloading, verifying and unpacking, without a broker: file:// artifacts made here, followed by opt-in. */
class CheckpointClientTest {
    static final DownloadPolicy FILES_FAST_RETRY =
            DownloadPolicy.defaults().withFileUris(true).withRetries(3, Duration.ofMillis(10));
    private final CheckpointClient client =
            new CheckpointClient(new Properties(), "unused", Path.of("unused"), FILES_FAST_RETRY);

    @Test
    void aGoodArtifactIsPulledAndLoads(@TempDir Path dir) throws Exception {
        Path zip = bundleZip(dir);
        Path out = client.pull(announcement(zip, sha256(zip), Files.size(zip)), dir.resolve("out"));
        assertEquals(dir.resolve("out").resolve("alice").resolve("7"), out);
        try (NDManager m = NDManager.newBaseManager()) {
            assertEquals(LmConfig.named("tiny"), ModelBundle.load(out, m).config());
        }
    }

    @Test
    void aSha256MismatchIsRefusedAndNothingIsUnpacked(@TempDir Path dir) throws Exception {
        Path zip = bundleZip(dir);
        String wrong = "0".repeat(64);
        CheckpointRefusedException e = assertThrows(
                CheckpointRefusedException.class,
                () -> client.pull(announcement(zip, wrong, Files.size(zip)), dir.resolve("out")));
        assertTrue(e.getMessage().contains("sha256") && e.getMessage().contains(wrong), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was loaded"), e.getMessage());
        try (Stream<Path> left = Files.list(dir.resolve("out").resolve("alice"))) {
            assertEquals(List.of(), left.toList(), "no download, no bundle left behind");
        }
    }

    @Test
    void aCorruptedDownloadIsRefused(@TempDir Path dir) throws Exception {
        Path zip = bundleZip(dir);
        String sha = sha256(zip);
        byte[] bytes = Files.readAllBytes(zip);
        bytes[bytes.length / 2] ^= 1;
        Files.write(zip, bytes);
        assertThrows(
                CheckpointRefusedException.class,
                () -> client.pull(announcement(zip, sha, bytes.length), dir.resolve("out")));
    }

    @Test
    void fileUrisAreRefusedUnlessAllowedAndNothingIsWritten(@TempDir Path dir) throws Exception {
        Path zip = bundleZip(dir);
        CheckpointClient httpOnly = new CheckpointClient(new Properties(), "unused", Path.of("unused"));
        CheckpointRefusedException e = assertThrows(
                CheckpointRefusedException.class,
                () -> httpOnly.pull(announcement(zip, sha256(zip), Files.size(zip)), dir.resolve("out")));
        assertTrue(e.getMessage().contains("--allow-file-uris"), e.getMessage());
        try (Stream<Path> left = Files.list(dir.resolve("out").resolve("alice"))) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void unsupportedSchemesAndMissingFilesAreRefused(@TempDir Path dir) throws Exception {
        CheckpointPublished ftp = announcement(dir.resolve("x.zip"), "00", 1);
        ftp.setUri("ftp://example.invalid/x.zip");
        assertThrows(CheckpointRefusedException.class, () -> client.pull(ftp, dir.resolve("out")));
        CheckpointPublished missing = announcement(dir.resolve("nope.zip"), "00", 1);
        CheckpointRefusedException gone =
                assertThrows(CheckpointRefusedException.class, () -> client.pull(missing, dir.resolve("out")));
        assertTrue(gone.getMessage().contains("failed 3 times"), gone.getMessage());
        CheckpointPublished sneaky = announcement(dir.resolve("x.zip"), "00", 1);
        sneaky.setStudent("..");
        assertThrows(CheckpointRefusedException.class, () -> client.pull(sneaky, dir.resolve("out")));
    }

    /** A tiny model's fp16 bundle as one stored zip, as the trainer publishes it. */
    static Path bundleZip(Path dir) throws IOException {
        Path bundle = dir.resolve("bundle");
        try (NDManager m = NDManager.newBaseManager()) {
            ModelBundle.export(Gpt.create(LmConfig.named("tiny"), m), bundle, WeightFormat.FP16);
        }
        Path zip = dir.resolve("7.zip");
        try (OutputStream raw = Files.newOutputStream(zip);
                ZipOutputStream out = new ZipOutputStream(raw);
                Stream<Path> files = Files.list(bundle)) {
            for (Path f : files.sorted().toList()) {
                out.putNextEntry(new ZipEntry(f.getFileName().toString()));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        return zip;
    }

    static CheckpointPublished announcement(Path zip, String sha256, long size) {
        return CheckpointPublished.newBuilder()
                .setStudent("alice")
                .setVersion(7)
                .setStep(7)
                .setTokensSeen(100)
                .setCreatedAt(Instant.now())
                .setUri(zip.toUri().toString())
                .setSha256(sha256)
                .setSizeBytes(size)
                .setFormat(io.distill.schemas.WeightFormat.FP16)
                .setConfigJson(LmConfig.named("tiny").toJson())
                .setMetrics(Map.of())
                .build();
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
