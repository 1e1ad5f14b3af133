package io.distill.trainer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The versions a student has written to the artifacts topic and how many chunks each has, in a small text file beside
 * the published zips ({@code version chunks} a line), so that {@code --keep-published} can tombstone every chunk of
 * an old version after a restart without reading the topic back.
 *
 * <p>A version is recorded before its transaction starts and forgotten only after its tombstones commit: a crash in
 * between leaves a version listed that may not exist (its tombstones later are harmless), never one that exists
 * unlisted and so would stay forever.
 */
final class PublishedLedger {
    static final String FILE = "kafka-versions.txt";

    private final Path file;
    private final TreeMap<Long, Integer> chunks = new TreeMap<>();

    PublishedLedger(Path studentDir) throws IOException {
        this.file = studentDir.resolve(FILE);
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 2) {
                    try {
                        chunks.merge(Long.parseLong(parts[0]), Integer.parseInt(parts[1]), Math::max);
                    } catch (NumberFormatException e) {
                        throw new IOException("unreadable line '" + line + "' in " + file, e);
                    }
                }
            }
        }
    }

    /** Lists {@code version} with {@code count} chunks (the larger count, if it was written before). */
    void record(long version, int count) throws IOException {
        chunks.merge(version, count, Math::max);
        save();
    }

    /** The versions beyond the newest {@code keep}, oldest first, with their chunk counts. */
    Map<Long, Integer> beyondNewest(int keep) {
        Map<Long, Integer> old = new TreeMap<>();
        List<Long> versions = new ArrayList<>(chunks.keySet());
        for (Long v : versions.subList(0, Math.max(0, versions.size() - keep))) {
            old.put(v, chunks.get(v));
        }
        return old;
    }

    void forget(Collection<Long> versions) throws IOException {
        chunks.keySet().removeAll(versions);
        save();
    }

    /** Written to a temporary file, fsynced and renamed, so a crash leaves the old list or the new one. */
    private void save() throws IOException {
        StringBuilder text = new StringBuilder();
        chunks.forEach((v, n) -> text.append(v).append(' ').append(n).append('\n'));
        Path tmp = file.resolveSibling(".tmp-" + FILE);
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
