package io.distill.lm;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The one zip writer: published checkpoint bundles and the TorchScript archives of the compute kernels. Entries are
 * stored, not deflated (weights do not compress, and libtorch reads stored entries in place), and carry a fixed time,
 * so the same content always packs to the same bytes and the same sha256. The zip is fsynced before it returns, so a
 * caller may rename it into place.
 */
public final class StoredZip {
    /** The time of every entry. */
    static final long ENTRY_TIME = Instant.parse("2020-01-01T00:00:00Z").toEpochMilli();

    private StoredZip() {}

    /** Writes {@code entries} (name to content, in the map's order) to {@code zip}. */
    public static void write(Path zip, Map<String, byte[]> entries) throws IOException {
        try (OutputStream raw = Files.newOutputStream(zip);
                ZipOutputStream out = new ZipOutputStream(raw)) {
            for (var entry : entries.entrySet()) {
                out.putNextEntry(stored(entry.getKey(), entry.getValue()));
                out.write(entry.getValue());
                out.closeEntry();
            }
        }
        try (FileChannel channel = FileChannel.open(zip, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    /** Packs the regular files of {@code dir} (flat, sorted by name) into {@code zip}. */
    public static void writeDirectory(Path dir, Path zip) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        for (Path file : files) {
            entries.put(file.getFileName().toString(), Files.readAllBytes(file));
        }
        write(zip, entries);
    }

    private static ZipEntry stored(String name, byte[] content) {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(content.length);
        entry.setCompressedSize(content.length);
        CRC32 crc = new CRC32();
        crc.update(content);
        entry.setCrc(crc.getValue());
        entry.setTime(ENTRY_TIME);
        return entry;
    }
}
