package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `distill bench quality` end to end at the tiny size: a pretrained teacher, every arm, the table. */
class BenchQualityCommandTest {

    @TempDir
    Path dir;

    @Test
    void pretrainsATeacherTrainsEveryArmAndPrintsTheTable() throws IOException {
        CliRun run = TinyBench.run(
                "quality",
                TinyBench.corpus(dir),
                "--steps",
                "2",
                "--batch",
                "2",
                "--evaluations",
                "1",
                "--codecs",
                "topk:8",
                "--precision",
                "fp32");

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("| hard labels only (alpha 0) | 256 |"), run.out());
        assertTrue(run.out().contains("| dense logits (alpha 0.9, T 2.0) | 256 |"), run.out());
        assertTrue(run.out().contains("| topk:8 (alpha 0.9, T 2.0) | 256 |"), run.out());
        assertTrue(run.out().contains("| teacher (pretrained-tiny"), run.out());
        assertTrue(run.err().contains("ETA"), run.err());
    }

    @Test
    void onPolicyComparesTheThreeArmsAtEqualTokensWithTheirGenerations() throws IOException {
        CliRun run = TinyBench.run(
                "quality", TinyBench.corpus(dir), "--on-policy", "--steps", "1", "--batch", "2", "--prompts", "1");

        assertEquals(0, run.exitCode(), run.err());
        for (String arm : new String[] {"forward-kl, off-policy", "GKD: on-policy λ 0.5, jsd:0.5", "reverse-kl"}) {
            assertTrue(run.out().contains("| " + arm), run.out());
            assertTrue(run.out().contains("- " + arm), "a generation of each arm: " + run.out());
        }
        assertEquals(
                3,
                run.out()
                        .lines()
                        .filter(l -> l.matches("\\| .* \\| 128 \\| .*"))
                        .count(),
                run.out());
        assertTrue(run.out().contains("(the holdout's own continuations)"), run.out());

        CliRun odd = CliRun.of(
                "bench",
                "quality",
                "--on-policy",
                "--teacher-size",
                "tiny",
                "--pretrain",
                "1s",
                "--size",
                "tiny",
                "--steps",
                "1",
                "--batch",
                "3");
        assertEquals(CliException.BAD_INPUT, odd.exitCode(), odd.err());
        assertTrue(odd.err().contains("--batch must be even"), odd.err());
    }

    @Test
    void projectsATokenTeachersLabelsOntoBytesForAByteStudent() throws Exception {
        Path teacher = HfFixtures.tinyGpt2(dir.resolve("gpt2"), 1, 4);
        CliRun run = tinyQuality(
                "--project",
                "bytes",
                "--teacher",
                teacher.toString(),
                "--corpus",
                TinyBench.corpus(dir).toString());

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("| topk:32 (alpha 0.9, T 2.0) |"), run.out());
        assertTrue(run.out().contains("through the projection"), run.out());
        assertTrue(run.out().contains("| topk:32 / hard |"), run.out());
        assertTrue(run.err().contains("labelled"), run.err());
    }

    @Test
    void projectTakesBytesAndATeacher() {
        CliRun noTeacher = CliRun.of("bench", "quality", "--project", "bytes");
        CliRun tokens = CliRun.of("bench", "quality", "--project", "tokens", "--teacher", dir.toString());

        for (CliRun run : new CliRun[] {noTeacher, tokens}) {
            assertEquals(CliException.BAD_INPUT, run.exitCode(), run.err());
            assertEquals(1, run.errLines().length, run.err());
            assertTrue(run.err().contains("--project takes 'bytes'"), run.err());
        }
    }

    /** `bench quality ARGS` at the tiny size: 2 steps of 2 windows, one evaluation, fp32. */
    private static CliRun tinyQuality(String... args) {
        List<String> all = new ArrayList<>(List.of("bench", "quality"));
        all.addAll(List.of(args));
        all.addAll(List.of("--size", "tiny", "--steps", "2", "--batch", "2", "--evaluations", "1"));
        all.addAll(List.of("--precision", "fp32"));
        return CliRun.of(all.toArray(String[]::new));
    }

    @Test
    void aMissingTeacherIsOneLine() {
        CliRun run = CliRun.of(
                "bench", "quality", "--teacher", dir.resolve("nothing").toString(), "--corpus", "builtin");

        assertEquals(CliException.BAD_INPUT, run.exitCode(), run.err());
        assertEquals(1, run.errLines().length, run.err());
        assertTrue(run.err().contains("no model directory"), run.err());
    }
}
