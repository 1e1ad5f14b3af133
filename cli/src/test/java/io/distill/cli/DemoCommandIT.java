package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shortened `distill demo` with tiny models: the whole pipeline on a real broker, with the teacher service and
 * the trainer in their own processes. It must publish checkpoints, print the summary and write the report.
 */
class DemoCommandIT {

    @Test
    void aShortDemoPublishesCheckpointsPrintsTheSummaryAndWritesTheReport(@TempDir Path dir) throws Exception {
        CliRun run = CliRun.of(
                "demo",
                "--minutes",
                "1.5",
                "--teacher-size",
                "tiny",
                "--student-size",
                "tiny",
                "--data-dir",
                dir.toString());

        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("demo: checkpoints published"), run.out());
        assertTrue(run.out().contains("pulled and verified"), run.out());
        for (String row : new String[] {
            "parameters",
            "size on disk, int8",
            "inference tokens/s",
            "holdout bits/byte",
            "top-1 agreement with the teacher"
        }) {
            assertTrue(run.out().contains(row), "summary row " + row + " in " + run.out());
        }
        assertTrue(Files.list(dir.resolve("checkpoints/published/demo-student"))
                .anyMatch(p -> p.toString().endsWith(".zip")));
        String report = Files.readString(dir.resolve("report.html"), StandardCharsets.UTF_8);
        assertEquals(2, report.split("data:image/png;base64,", -1).length - 1, "two charts");
        assertTrue(report.contains("top-1 agreement with the teacher"));

        // A second run finds the teacher it made and does not pretrain again.
        CliRun again = CliRun.of(
                "demo",
                "--minutes",
                "1",
                "--teacher-size",
                "tiny",
                "--student-size",
                "tiny",
                "--data-dir",
                dir.toString());
        assertEquals(0, again.exitCode(), again.out() + again.err());
        assertTrue(again.out().contains("reusing the teacher"), again.out());
    }
}
