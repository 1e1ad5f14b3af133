package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pretrain, eval and generate on a tiny model: the model directory they share, and their errors. */
class ModelCommandsTest {
    private static final Pattern BITS = Pattern.compile("([0-9.]+) bits/byte");

    @TempDir
    static Path dir;

    static Path corpus;
    static Path model;
    static CliRun pretrain;

    @BeforeAll
    static void pretrainATinyModel() throws IOException {
        corpus = Files.writeString(
                dir.resolve("corpus.txt"),
                "the cat sat on the mat. the dog sat on the log. ".repeat(500),
                StandardCharsets.UTF_8);
        model = dir.resolve("model");
        pretrain = CliRun.of(
                "pretrain",
                "--corpus",
                corpus.toString(),
                "--size",
                "tiny",
                "--minutes",
                "5",
                "--max-steps",
                "80",
                "--lr",
                "1e-2",
                "--warmup",
                "5",
                "--precision",
                "fp32",
                "--out",
                model.toString());
    }

    @Test
    void pretrainSavesAModelThatBeatsTheUnigramEntropy() {
        assertEquals(0, pretrain.exitCode(), pretrain.err());
        assertTrue(Files.isRegularFile(model.resolve("manifest.json")));
        assertTrue(pretrain.err().contains("tokens/s"), pretrain.err());
        assertTrue(pretrain.err().contains("ETA"), pretrain.err());
        Matcher m = Pattern.compile("holdout ([0-9.]+) bits/byte, unigram byte entropy of the text ([0-9.]+)")
                .matcher(pretrain.out());
        assertTrue(m.find(), pretrain.out());
        assertTrue(Double.parseDouble(m.group(1)) < Double.parseDouble(m.group(2)), pretrain.out());
    }

    @Test
    void evalScoresTheModelBelowUniform() {
        CliRun eval = CliRun.of("eval", "--model", model.toString(), "--corpus", corpus.toString());

        assertEquals(0, eval.exitCode(), eval.err());
        Matcher m = BITS.matcher(eval.out());
        assertTrue(m.find(), eval.out());
        assertTrue(Double.parseDouble(m.group(1)) < Math.log(259) / Math.log(2), eval.out());
    }

    @Test
    void generateContinuesThePrompt() {
        CliRun run = CliRun.of("generate", "--model", model.toString(), "--prompt", "the cat", "--tokens", "30");

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("the cat"), run.out());
        assertTrue(run.out().strip().length() > "the cat".length(), run.out());
    }

    @Test
    void aMissingOrCorruptModelIsOneLine() throws IOException {
        CliRun missing = CliRun.of("eval", "--model", dir.resolve("nope").toString(), "--corpus", corpus.toString());
        assertEquals(CliException.BAD_INPUT, missing.exitCode());
        assertEquals(1, missing.errLines().length, missing.err());
        assertTrue(missing.err().contains("no model directory"), missing.err());

        Path corrupt = dir.resolve("corrupt");
        Files.createDirectories(corrupt);
        for (Path f : Files.list(model).toList()) {
            Files.copy(f, corrupt.resolve(f.getFileName()));
        }
        byte[] config = Files.readAllBytes(corrupt.resolve("config.json"));
        config[config.length / 2] ^= 1;
        Files.write(corrupt.resolve("config.json"), config);
        CliRun bad = CliRun.of("generate", "--model", corrupt.toString(), "--prompt", "x");
        assertEquals(CliException.BAD_INPUT, bad.exitCode());
        assertEquals(1, bad.errLines().length, bad.err());
        assertTrue(bad.err().contains("config.json"), bad.err());
    }

    @Test
    void aTooSmallCorpusOrBadSizeIsOneLine() throws IOException {
        Path small = Files.writeString(dir.resolve("small.txt"), "hi", StandardCharsets.UTF_8);
        CliRun tiny = CliRun.of(
                "pretrain",
                "--corpus",
                small.toString(),
                "--out",
                dir.resolve("x").toString());
        assertEquals(CliException.BAD_INPUT, tiny.exitCode());
        assertEquals(1, tiny.errLines().length, tiny.err());

        CliRun size = CliRun.of("pretrain", "--corpus", corpus.toString(), "--size", "huge");
        assertEquals(CliException.BAD_INPUT, size.exitCode());
        assertTrue(size.err().contains("unknown model size 'huge'"), size.err());
    }
}
