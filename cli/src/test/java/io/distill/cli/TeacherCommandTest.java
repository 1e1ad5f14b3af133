package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** `distill teacher` answers to bad input, before any broker or model work. */
class TeacherCommandTest {

    @Test
    void helpListsEveryOptionAndExamples() {
        CliRun run = CliRun.of("teacher", "--help");

        assertEquals(0, run.exitCode());
        for (String option : new String[] {
            "--bootstrap",
            "--kafka-config",
            "--model",
            "--model-size",
            "--codec",
            "--temperature",
            "--context",
            "--stride",
            "--max-batch",
            "--max-wait",
            "--max-text-bytes",
            "--application-id",
            "--input-topic",
            "--output-topic",
            "--dead-letter-topic",
            "--http-port",
            "--precision",
            "--project"
        }) {
            assertTrue(run.out().contains(option), option + " missing from\n" + run.out());
        }
        assertTrue(run.out().contains("Examples:"), run.out());
    }

    @Test
    void aBadCodecIsOneLine() {
        CliRun run = CliRun.of("teacher", "--model-size", "tiny", "--codec", "dense:5");

        assertOneLine(run, "unknown kind 'dense'");
    }

    @Test
    void optionsComeFromTheEnvironment() {
        CliRun run = CliRun.of(Map.of("DISTILL_CODEC", "sampled:999", "DISTILL_MODEL_SIZE", "tiny"), "teacher");

        assertOneLine(run, "at most 255 draws");
    }

    @Test
    void aTeacherModelMustBeNamedOnce() {
        assertOneLine(CliRun.of("teacher"), "give --model DIR or --model-size NAME");
        assertOneLine(CliRun.of("teacher", "--model", "m", "--model-size", "tiny"), "not both");
        assertOneLine(CliRun.of("teacher", "--model-size", "huge"), "unknown model size 'huge'");
        assertOneLine(
                CliRun.of("teacher", "--model", "some/dir"), "--model some/dir: some/dir: manifest.json is missing");
    }

    @Test
    void windowSettingsMustFitTheModel() {
        assertOneLine(
                CliRun.of("teacher", "--model-size", "tiny", "--context", "65"),
                "--context 65 is longer than the model's context of 64");
        assertOneLine(
                CliRun.of("teacher", "--model-size", "tiny", "--context", "32", "--stride", "33"),
                "stride must be between 1 and the context (32)");
        assertOneLine(CliRun.of("teacher", "--model-size", "tiny", "--max-batch", "0"), "max batch");
        assertOneLine(CliRun.of("teacher", "--model-size", "tiny", "--temperature", "0"), "temperature");
    }

    @Test
    void projectionIsToBytesOnly() {
        assertOneLine(CliRun.of("teacher", "--model-size", "tiny", "--project", "chars"), "only 'bytes' is known");
    }

    @Test
    void aBadPrecisionIsOneLine() {
        assertOneLine(CliRun.of("teacher", "--model-size", "tiny", "--precision", "int4"), "unknown precision 'int4'");
    }

    private static void assertOneLine(CliRun run, String expected) {
        assertEquals(CliException.BAD_INPUT, run.exitCode(), run.err());
        assertEquals(1, run.errLines().length, run.err());
        assertTrue(run.err().contains(expected), run.err());
    }
}
