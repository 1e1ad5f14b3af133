package io.distill.lm.artifact;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;

/** Deleting a file tree: the one place for it (checkpoints, published bundles, state directories, work dirs). */
public final class FileTrees {
    private FileTrees() {}

    /**
     * Deletes {@code path} and, for a directory, everything under it, deepest first. A path that does not exist is
     * fine, and so is an entry that disappears meanwhile; a symbolic link is deleted, not followed.
     */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(path)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** {@link #deleteRecursively}, for cleanups that must not fail: a failure is logged as a warning. */
    public static void deleteQuietly(Path path, Logger log) {
        try {
            deleteRecursively(path);
        } catch (IOException e) {
            log.warn("could not delete {}: {}", path, e.toString());
        }
    }
}
