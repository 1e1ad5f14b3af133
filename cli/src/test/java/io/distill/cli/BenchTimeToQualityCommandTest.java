package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `distill bench time-to-quality` end to end at the tiny size: a pretrained teacher, the three arms, the tables. */
class BenchTimeToQualityCommandTest {

    @TempDir
    Path dir;

    @Test
    void trainsTheThreeArmsToTheBaselinesQualityAndPrintsTheTables() throws IOException {
        CliRun run = TinyBench.run(
                "time-to-quality",
                TinyBench.corpus(dir),
                "--steps",
                "4",
                "--batch",
                "2",
                "--evaluations",
                "2",
                "--codec",
                "topk:8");

        assertEquals(0, run.exitCode(), run.err());
        // (a) runs its whole budget and is the target; (b) and (c) either reach it or say that they did not
        assertTrue(run.out().contains("| (a) fp32, hard labels | 4 |"), run.out());
        assertTrue(run.out().contains("| **1.00** |"), run.out());
        for (String arm : new String[] {"(b) bf16, hard labels", "(c) bf16, KD from topk:8"}) {
            assertTrue(
                    run.out()
                            .lines()
                            .anyMatch(l -> l.startsWith("| " + arm + " | ")
                                    && (l.contains("**") || l.contains("not reached"))),
                    run.out());
        }
        assertTrue(run.out().contains("Teacher labelling for (c) bf16, KD from topk:8: "), run.out());
        assertTrue(run.out().contains("| step | tokens | (a) fp32, hard labels |"), run.out());
        assertTrue(run.err().contains("time-to-quality: target: "), run.err());
    }

    @Test
    void aBadCapIsOneLine() {
        CliRun run = CliRun.of("bench", "time-to-quality", "--cap", "0.5", "--teacher", dir.toString());

        assertEquals(CliException.BAD_INPUT, run.exitCode(), run.err());
        assertEquals(1, run.errLines().length, run.err());
        assertTrue(run.err().contains("cap must be at least 1"), run.err());
    }
}
