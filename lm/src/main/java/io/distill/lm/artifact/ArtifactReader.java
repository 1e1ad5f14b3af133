package io.distill.lm.artifact;

import io.distill.lm.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads files of a checkpoint or bundle directory only after checking them against its manifest. Each file is
 * read whole and its sha256 taken over exactly the bytes that are then parsed, so nothing unverified is ever
 * loaded. Every failure is an {@link InvalidArtifactException} naming the directory and the file.
 */
final class ArtifactReader {

    private final Path dir;
    private final Manifest manifest;

    private ArtifactReader(Path dir, Manifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    /**
     * Reads the manifest and checks that it lists {@code required} files and is of {@code kind} (or any kind when
     * null). Files are not verified yet.
     */
    static ArtifactReader open(Path dir, String kind, String... required) throws InvalidArtifactException {
        byte[] json;
        try {
            json = Files.readAllBytes(dir.resolve(Manifest.FILE));
        } catch (NoSuchFileException e) {
            throw new InvalidArtifactException(dir, Manifest.FILE + " is missing (incomplete or not an artifact)");
        } catch (IOException e) {
            throw new InvalidArtifactException(dir, Manifest.FILE + " cannot be read: " + e.getMessage(), e);
        }
        Manifest manifest;
        try {
            manifest = Manifest.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new InvalidArtifactException(dir, e.getMessage(), e);
        }
        if (kind != null && !manifest.kind().equals(kind)) {
            throw new InvalidArtifactException(dir, "is a " + manifest.kind() + ", expected a " + kind);
        }
        for (String name : required) {
            if (!manifest.files().containsKey(name)) {
                throw new InvalidArtifactException(dir, Manifest.FILE + " does not list " + name);
            }
        }
        return new ArtifactReader(dir, manifest);
    }

    Path dir() {
        return dir;
    }

    Manifest manifest() {
        return manifest;
    }

    /** The bytes of {@code name}, after checking its size and sha256 against the manifest. */
    byte[] read(String name) throws InvalidArtifactException {
        return checked(name, file -> {
            byte[] bytes = Files.readAllBytes(file);
            return new Checked<>(bytes, Sha256.hex(bytes));
        });
    }

    /** Checks every listed file without keeping it in memory. */
    void verifyAll() throws InvalidArtifactException {
        for (String name : manifest.files().keySet()) {
            checked(name, file -> new Checked<>(file, Sha256.hex(file)));
        }
    }

    /** What a file gave, with the sha256 of exactly that. */
    private record Checked<T>(T content, String sha256) {}

    /** Reads (or streams) one file: its content and the digest to check. */
    private interface Load<T> {
        Checked<T> from(Path file) throws IOException;
    }

    /** Checks {@code name}'s size against the manifest, loads it, then checks its digest; failures name the file. */
    private <T> T checked(String name, Load<T> load) throws InvalidArtifactException {
        Manifest.FileEntry expected = entry(name);
        Path file = dir.resolve(name);
        Checked<T> loaded;
        try {
            long size = Files.size(file);
            if (size != expected.bytes()) {
                throw new InvalidArtifactException(
                        dir, name + " has " + size + " bytes, manifest says " + expected.bytes());
            }
            loaded = load.from(file);
        } catch (NoSuchFileException e) {
            throw new InvalidArtifactException(dir, name + " is missing");
        } catch (InvalidArtifactException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidArtifactException(dir, name + " cannot be read: " + e.getMessage(), e);
        }
        checkDigest(name, loaded.sha256(), expected);
        return loaded.content();
    }

    /** Parse errors in a verified file (a bug or a foreign writer) are reported like corruption: the file is named. */
    InvalidArtifactException invalid(String name, RuntimeException cause) {
        return new InvalidArtifactException(dir, name + ": " + cause.getMessage(), cause);
    }

    private Manifest.FileEntry entry(String name) throws InvalidArtifactException {
        Manifest.FileEntry e = manifest.files().get(name);
        if (e == null) {
            throw new InvalidArtifactException(dir, Manifest.FILE + " does not list " + name);
        }
        return e;
    }

    private void checkDigest(String name, String actual, Manifest.FileEntry expected) throws InvalidArtifactException {
        if (!actual.equals(expected.sha256())) {
            throw new InvalidArtifactException(
                    dir, name + " fails its checksum: sha256 " + actual + ", manifest says " + expected.sha256());
        }
    }
}
