package io.distill.lm.artifact;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class FileTreesTest {

    @Test
    void deletesATreeButNotWhatItsLinksPointAt(@TempDir Path root) throws Exception {
        Path outside = Files.writeString(root.resolve("outside.txt"), "keep");
        Path tree = Files.createDirectories(root.resolve("tree/a/b"));
        Files.writeString(tree.resolve("x.bin"), "x");
        Files.createSymbolicLink(root.resolve("tree/a/link"), outside);

        FileTrees.deleteRecursively(root.resolve("tree"));

        assertFalse(Files.exists(root.resolve("tree")));
        assertTrue(Files.exists(outside));
    }

    @Test
    void aMissingPathIsFine(@TempDir Path root) throws Exception {
        FileTrees.deleteRecursively(root.resolve("missing"));
        FileTrees.deleteQuietly(root.resolve("missing"), LoggerFactory.getLogger(FileTreesTest.class));
        Path file = Files.writeString(root.resolve("file"), "x");
        FileTrees.deleteQuietly(file, LoggerFactory.getLogger(FileTreesTest.class));
        assertFalse(Files.exists(file));
    }
}
