package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.distill.lm.artifact.ModelBundle;
import io.distill.lm.model.Precision;
import io.distill.lm.tokenize.Tokenizer;
import io.distill.lm.tokenize.Tokenizers;
import io.distill.teacher.TeacherModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pretrain --student-config --tokenizer-dir}: a tiny GPT-2-shaped model with the real GPT-2 tokenizer learns a
 * repetitive text, and the saved directory loads as a teacher with that tokenizer; {@code bench bytes} measures it.
 */
class PretrainBpeCommandTest {
    private static final String TINY_GPT2 = """
            {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 50257,
             "n_positions": 32, "n_embd": 32, "n_head": 2, "n_layer": 1,
             "bos_token_id": 50256, "eos_token_id": 50256}
            """;

    @TempDir
    Path dir;

    @Test
    void pretrainsAGpt2ShapedModelThatReloadsWithItsTokenizer() throws Exception {
        Path gpt2 = HfFixtures.tokenizerCache().resolve("models/gpt2");
        Path config = Files.writeString(dir.resolve("tiny-gpt2.json"), TINY_GPT2);
        Path corpus = Files.writeString(
                dir.resolve("corpus.txt"),
                "the cat sat on the mat.\nthe dog sat on the log.\n".repeat(500),
                StandardCharsets.UTF_8);
        Path out = dir.resolve("bpe");

        CliRun pretrain = CliRun.of(
                "pretrain",
                "--corpus",
                corpus.toString(),
                "--student-config",
                config.toString(),
                "--tokenizer-dir",
                gpt2.toString(),
                "--minutes",
                "5",
                "--max-steps",
                "40",
                "--lr",
                "1e-2",
                "--warmup",
                "5",
                "--precision",
                "fp32",
                "--out",
                out.toString());

        assertEquals(0, pretrain.exitCode(), pretrain.err());
        Matcher m = Pattern.compile("holdout ([0-9.]+) bits/byte, unigram byte entropy of the text ([0-9.]+)")
                .matcher(pretrain.out());
        assertTrue(m.find(), pretrain.out());
        // a random model of this vocabulary pays ~15.6 bits a token, ~3 bits a byte here: learning goes far below
        assertTrue(Double.parseDouble(m.group(1)) < 0.5, pretrain.out());
        try (Tokenizer expected = Tokenizers.forModelDir(gpt2);
                Tokenizer saved = ModelBundle.tokenizer(out);
                NDManager manager = NDManager.newBaseManager()) {
            assertEquals(expected.id(), saved.id());
            TeacherModel teacher = ModelFiles.loadTeacher(out, Precision.FP32, manager);
            try (Tokenizer loaded = teacher.tokenizer()) {
                assertEquals(expected.checksum(), loaded.checksum());
            }
            assertEquals(32, teacher.model().config().dModel());
        }

        CliRun bench = CliRun.of(
                "bench", "bytes", "--teacher", out.toString(), "--corpus", corpus.toString(), "--bytes", "200");
        assertEquals(0, bench.exitCode(), bench.err());
        assertTrue(bench.out().contains("| trained: bpe |"), bench.out());
        assertTrue(bench.out().contains("| same shape, random weights |"), bench.out());
    }

    @Test
    void badCombinationsAreOneLine() {
        for (String[] args : new String[][] {
            {"pretrain", "--corpus", "builtin", "--tokenizer-dir", "."},
            {"pretrain", "--corpus", "builtin", "--init-from-teacher", "."},
            {"pretrain", "--corpus", "builtin", "--student-config", "/no/such/config.json", "--tokenizer-dir", "."},
            {"bench", "bytes", "--teacher", "/no/such/dir"},
        }) {
            CliRun run = CliRun.of(args);
            assertEquals(CliException.BAD_INPUT, run.exitCode(), String.join(" ", args) + ": " + run.err());
            assertEquals(1, run.errLines().length, run.err());
        }
    }
}
