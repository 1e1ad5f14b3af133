package io.distill.lm.artifact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.lm.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactWriterTest {

    @TempDir
    Path tmp;

    @Test
    void commitPublishesTheFilesWithTheirSha256() throws IOException {
        Path target = tmp.resolve("a");
        Artifact artifact;
        try (ArtifactWriter w = ArtifactWriter.create(target)) {
            w.writeBytes("one.txt", "hello".getBytes(StandardCharsets.UTF_8));
            w.write("two.bin", out -> out.write(new byte[] {1, 2, 3}));
            assertFalse(Files.exists(target), "nothing is visible before the commit");
            artifact = w.commit(Manifest.BUNDLE, WeightFormat.INT8);
        }
        assertEquals(List.of(target), children(tmp), "the temporary directory is gone");
        Manifest manifest = ArtifactReader.open(target, Manifest.BUNDLE).manifest();
        assertEquals(WeightFormat.INT8, manifest.weightFormat());
        // sha256("hello"), computed independently
        assertEquals(
                "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
                manifest.files().get("one.txt").sha256());
        assertEquals(3, manifest.files().get("two.bin").bytes());
        assertEquals(Sha256.hex(target.resolve("manifest.json")), artifact.sha256());
        ArtifactReader.open(target, null, "one.txt", "two.bin").verifyAll();
    }

    @Test
    void aFailedWriteLeavesNothingBehind() throws IOException {
        Path target = tmp.resolve("a");
        assertThrows(IOException.class, () -> {
            try (ArtifactWriter w = ArtifactWriter.create(target)) {
                w.writeBytes("one.txt", new byte[] {1});
                w.write("two.bin", out -> {
                    throw new IOException("disk full");
                });
            }
        });
        assertEquals(List.of(), children(tmp));
    }

    @Test
    void anExistingTargetIsReplacedWhole() throws IOException {
        Path target = tmp.resolve("a");
        try (ArtifactWriter w = ArtifactWriter.create(target)) {
            w.writeBytes("old.txt", new byte[] {1});
            w.commit(Manifest.BUNDLE, WeightFormat.FP32);
        }
        try (ArtifactWriter w = ArtifactWriter.create(target)) {
            w.writeBytes("new.txt", new byte[] {2});
            w.commit(Manifest.BUNDLE, WeightFormat.FP32);
        }
        assertEquals(List.of(target), children(tmp));
        assertEquals(List.of(target.resolve("manifest.json"), target.resolve("new.txt")), children(target));
    }

    @Test
    void readerNamesTheFileThatFailsItsChecksum() throws IOException {
        Path target = tmp.resolve("a");
        try (ArtifactWriter w = ArtifactWriter.create(target)) {
            w.writeBytes("data.bin", new byte[] {1, 2, 3, 4});
            w.commit(Manifest.BUNDLE, WeightFormat.FP32);
        }
        Files.write(target.resolve("data.bin"), new byte[] {1, 2, 3, 5});
        ArtifactReader r = ArtifactReader.open(target, null);
        InvalidArtifactException e = assertThrows(InvalidArtifactException.class, r::verifyAll);
        assertTrue(e.getMessage().contains("data.bin fails its checksum"), e.getMessage());
        e = assertThrows(InvalidArtifactException.class, () -> r.read("data.bin"));
        assertTrue(e.getMessage().contains("data.bin fails its checksum"), e.getMessage());

        Files.write(target.resolve("data.bin"), new byte[] {1, 2, 3});
        e = assertThrows(InvalidArtifactException.class, () -> r.read("data.bin"));
        assertTrue(e.getMessage().contains("data.bin has 3 bytes, manifest says 4"), e.getMessage());
        e = assertThrows(InvalidArtifactException.class, r::verifyAll);
        assertTrue(e.getMessage().contains("data.bin has 3 bytes, manifest says 4"), e.getMessage());
        Files.delete(target.resolve("data.bin"));
        e = assertThrows(InvalidArtifactException.class, () -> r.read("data.bin"));
        assertTrue(e.getMessage().contains("data.bin is missing"), e.getMessage());
        e = assertThrows(InvalidArtifactException.class, r::verifyAll);
        assertTrue(e.getMessage().contains("data.bin is missing"), e.getMessage());
        e = assertThrows(InvalidArtifactException.class, () -> ArtifactReader.open(target, Manifest.CHECKPOINT));
        assertTrue(e.getMessage().contains("expected a checkpoint"), e.getMessage());
    }

    @Test
    void aManifestCannotPointOutsideItsDirectory() {
        String json = "{\"format\":\"distill-model\",\"formatVersion\":1,\"kind\":\"bundle\",\"weightFormat\":\"fp32\","
                + "\"files\":{\"../secret\":{\"sha256\":\"" + "0".repeat(64) + "\",\"bytes\":1}}}";
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> Manifest.fromJson(json.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("../secret"), e.getMessage());
    }

    @Test
    void leftoversOfACrashAreDeleted() throws IOException {
        Files.createDirectories(tmp.resolve(".tmp-step-000000000001-abcd/x"));
        Files.createDirectories(tmp.resolve(".old-step-000000000001-abcd"));
        Files.createDirectories(tmp.resolve("step-000000000001"));
        ArtifactWriter.deleteLeftovers(tmp);
        assertEquals(List.of(tmp.resolve("step-000000000001")), children(tmp));
    }

    private static List<Path> children(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
