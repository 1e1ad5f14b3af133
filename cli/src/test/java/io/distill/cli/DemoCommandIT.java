package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shortened `distill demo` with tiny models, run as its own process the way a user runs it (so its broker is the
 * only one in that JVM): the whole pipeline on a real broker, with the teacher service and the trainer in their
 * own processes. It must publish checkpoints, print the summary and write the report, and a second run must reuse
 * the teacher it made.
 */
class DemoCommandIT {

    @Test
    void aShortDemoPublishesCheckpointsPrintsTheSummaryAndWritesTheReport(@TempDir Path dir) throws Exception {
        String out = demo(dir, "1.5");

        assertTrue(out.contains("demo: checkpoints published"), out);
        assertTrue(out.contains("pulled and verified"), out);
        for (String row : new String[] {
            "parameters",
            "size on disk, int8",
            "inference tokens/s",
            "holdout bits/byte",
            "top-1 agreement with the teacher"
        }) {
            assertTrue(out.contains(row), "summary row " + row + " in " + out);
        }
        try (var zips = Files.list(dir.resolve("checkpoints/published/demo-student"))) {
            assertTrue(zips.anyMatch(p -> p.toString().endsWith(".zip")));
        }
        String report = Files.readString(dir.resolve("report.html"), StandardCharsets.UTF_8);
        assertEquals(2, report.split("data:image/png;base64,", -1).length - 1, "two charts");
        assertTrue(report.contains("top-1 agreement with the teacher"));

        String again = demo(dir, "1");
        assertTrue(again.contains("reusing the teacher"), again);
    }

    /** Runs `distill demo` in a child JVM and returns what it printed; fails on a non-zero exit. */
    private static String demo(Path dataDir, String minutes) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                Distill.class.getName(),
                "demo",
                "--minutes",
                minutes,
                "--teacher-size",
                "tiny",
                "--student-size",
                "tiny",
                "--data-dir",
                dataDir.toString()));
        Path log = Files.createTempFile("demo", ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertTrue(process.waitFor(10, TimeUnit.MINUTES), "the demo did not finish");
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), out);
        return out;
    }
}
