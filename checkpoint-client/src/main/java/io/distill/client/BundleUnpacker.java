package io.distill.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Unpacks a verified artifact: a flat zip of plain file names. Anything else is refused: an entry with a path, "..",
 * a directory, a name seen twice, more entries than allowed, or more bytes in total than allowed (counted as they
 * are inflated, not as the entry headers claim).
 */
final class BundleUnpacker {
    static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._-]+");

    private final long maxBytes;
    private final int maxEntries;

    /**
     * @param maxBytes the most the unpacked files may hold in total
     * @param maxEntries the most files the archive may hold
     */
    BundleUnpacker(long maxBytes, int maxEntries) {
        this.maxBytes = maxBytes;
        this.maxEntries = maxEntries;
    }

    /** Unpacks {@code zip} into the new directory {@code dir}; on a refusal, {@code dir} holds what was written. */
    void unzip(Path zip, Path dir) throws IOException {
        Files.createDirectories(dir);
        long total = 0;
        int entries = 0;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                String name = entry.getName();
                if (entry.isDirectory() || !isSafeName(name)) {
                    throw new CheckpointRefusedException("refusing archive entry '" + name + "' in " + zip.getFileName()
                            + ": a bundle holds plain file names only");
                }
                if (++entries > maxEntries) {
                    throw new CheckpointRefusedException(
                            "archive " + zip.getFileName() + " holds more than " + maxEntries + " files");
                }
                total += copyBounded(in, dir.resolve(name), maxBytes - total, zip);
            }
        }
        if (entries == 0) {
            throw new CheckpointRefusedException("archive " + zip.getFileName() + " is empty or not a zip");
        }
    }

    /** How much to read next: a whole buffer, or what is left of the budget plus one byte. */
    static int readLength(long room, int buffer) {
        return room >= buffer ? buffer : (int) room + 1;
    }

    static boolean isSafeName(String name) {
        return SAFE_NAME.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }

    /** Copies one entry to a new file, refusing it once it passes {@code budget} bytes; returns its size. */
    private long copyBounded(InputStream in, Path file, long budget, Path zip) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long written = 0;
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW)) {
            int n;
            // reads at most one byte past the budget, which is enough to tell that the entry passes it
            while ((n = in.read(buffer, 0, readLength(budget - written, buffer.length))) > 0) {
                if (written + n > budget) {
                    throw new CheckpointRefusedException("archive " + zip.getFileName() + " unpacks to more than "
                            + maxBytes + " bytes; refused at " + file.getFileName());
                }
                out.write(buffer, 0, n);
                written += n;
            }
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new CheckpointRefusedException(
                    "archive " + zip.getFileName() + " holds " + file.getFileName() + " twice", e);
        }
        return written;
    }
}
