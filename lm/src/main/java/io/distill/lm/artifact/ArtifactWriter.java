package io.distill.lm.artifact;

import io.distill.lm.Sha256;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Writes a checkpoint or bundle directory so that it appears complete or not at all, even across a crash or power
 * loss: files go into a temporary sibling directory, each is fsynced, the manifest (with every file's sha256) is
 * written last, the directory is fsynced and renamed onto the target in one atomic step, and the parent is
 * fsynced so the rename itself is durable.
 *
 * <pre>
 * try (ArtifactWriter w = ArtifactWriter.create(target)) {
 *     w.write("config.json", out -> out.write(bytes));
 *     return w.commit(Manifest.BUNDLE, WeightFormat.FP32);
 * } // without commit, close() deletes the temporary directory
 * </pre>
 *
 * <p>An existing target is replaced: it is first renamed aside, then the new directory is renamed in. A crash
 * between those two renames leaves no directory at the target, a {@code .old-} sibling and the complete {@code
 * .tmp-} one; {@link CheckpointStore} renames the complete one into place when it is next opened, before {@link
 * #deleteLeftovers} removes the rest.
 */
final class ArtifactWriter implements AutoCloseable {

    /** Prefixes of sibling directories in flight; they start with a dot so listings of artifacts skip them. */
    static final String TEMP_PREFIX = ".tmp-";

    static final String OLD_PREFIX = ".old-";

    /** The body of one file, written to a stream that hashes, counts and finally fsyncs. */
    @FunctionalInterface
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private final Path target;
    private final Path temp;
    private final Map<String, Manifest.FileEntry> files = new LinkedHashMap<>();
    private boolean committed;

    private ArtifactWriter(Path target, Path temp) {
        this.target = target;
        this.temp = temp;
    }

    /** Creates the temporary directory next to {@code target} (same file system, so the rename is atomic). */
    static ArtifactWriter create(Path target) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        Files.createDirectories(parent);
        Path temp = parent.resolve(TEMP_PREFIX + absolute.getFileName() + "-" + shortId());
        Files.createDirectory(temp);
        return new ArtifactWriter(absolute, temp);
    }

    void write(String name, Body body) throws IOException {
        if (committed || files.containsKey(name) || name.equals(Manifest.FILE)) {
            throw new IllegalStateException("cannot write " + name + " now");
        }
        MessageDigest digest = Sha256.digest();
        long bytes;
        try (FileChannel channel =
                FileChannel.open(temp.resolve(name), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            OutputStream out = new DigestOutputStream(
                    new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16), digest);
            body.writeTo(out);
            out.flush(); // not close: that would close the channel before force
            channel.force(true);
            bytes = channel.size();
        }
        files.put(name, new Manifest.FileEntry(HexFormat.of().formatHex(digest.digest()), bytes));
    }

    void writeBytes(String name, byte[] content) throws IOException {
        write(name, out -> out.write(content));
    }

    void writeAll(Map<String, byte[]> named) throws IOException {
        for (Map.Entry<String, byte[]> e : named.entrySet()) {
            writeBytes(e.getKey(), e.getValue());
        }
    }

    /** Writes the manifest, then moves the directory into place; returns what was published. */
    Artifact commit(String kind, WeightFormat weightFormat) throws IOException {
        byte[] manifest = new Manifest(kind, weightFormat, files).toJson();
        try (FileChannel channel = FileChannel.open(
                temp.resolve(Manifest.FILE), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(manifest));
            channel.force(true);
        }
        fsyncDirectory(temp);
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling(OLD_PREFIX + target.getFileName() + "-" + shortId());
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (old != null) {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE); // put the previous one back
            }
            throw e;
        }
        committed = true;
        fsyncDirectory(target.getParent());
        if (old != null) {
            FileTrees.deleteRecursively(old);
        }
        long size = manifest.length
                + files.values().stream().mapToLong(Manifest.FileEntry::bytes).sum();
        return new Artifact(target, Sha256.hex(manifest), size);
    }

    /** Deletes the temporary directory unless it was committed. */
    @Override
    public void close() throws IOException {
        if (!committed) {
            FileTrees.deleteRecursively(temp);
        }
    }

    /** Removes temporary and set-aside directories that a crash left in {@code parent}. */
    static void deleteLeftovers(Path parent) throws IOException {
        if (!Files.isDirectory(parent)) {
            return;
        }
        try (Stream<Path> children = Files.list(parent)) {
            for (Path p : children.toList()) {
                String name = p.getFileName().toString();
                if (Files.isDirectory(p) && (name.startsWith(TEMP_PREFIX) || name.startsWith(OLD_PREFIX))) {
                    FileTrees.deleteRecursively(p);
                }
            }
        }
    }

    /** Makes a directory's entries (new files, renames) durable; Linux allows fsync on a directory opened read-only. */
    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
