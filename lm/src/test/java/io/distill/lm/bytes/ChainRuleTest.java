package io.distill.lm.bytes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.distill.lm.eval.BitsPerByte;
import io.distill.lm.hf.HfImport;
import io.distill.lm.hf.HfModel;
import io.distill.lm.hf.PythonReference;
import io.distill.lm.model.Precision;
import io.distill.lm.tokenize.HfTokenizer;
import io.distill.lm.tokenize.TokenizerCache;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The chain rule on real tokenizers: a tiny random-weight Hugging Face model ({@code benchmarks/hf_models.py}) with
 * the real Llama 2 or GPT-2 tokenizer; the text's bits per byte under the projected next-byte distributions against the
 * model's own token-level bits per byte ({@link BitsPerByte}: -log p of the text's own tokenization, BOS as context,
 * the dummy prefix's share included) of the same text.
 *
 * <p>What is compared: the own loss is the probability that the tokens are exactly the text's, so the projection's side
 * is "the tokens spell exactly the text" ({@code nats + prefixNats + boundaryNats}), equal for a canonical model (issue
 * 15 asks 0.5%; asserted). The projection's nats alone score "the text, then anything", which also counts every token
 * that extends the last one's bytes: on a random model, whose tokens are about equally likely, a single long token
 * covering the text's end is worth ~V times two short ones, so that reading is lower by a term of the last position
 * alone (0.3-1.1% of this text's bits); it is reported and bounded by its measurement rounded up.
 *
 * <p>Two kinds of random model, both asserted: at Hugging Face's initial scale ({@code --logit-std 0.16}: embeddings, tied
 * to the output, of std 0.16 / sqrt(64) = 0.02, {@code initializer_range}; the blocks keep the script's 1/sqrt(fan_in),
 * the output scale is what makes a model peaked or not), nearly uniform and nearly canonical; and the script's default,
 * deliberately peaked (logits of std 4, for the port tests' greedy decoding), which puts real probability on
 * non-canonical tokenizations. The projection guesses the contexts the one forward pass never ran canonically ({@link
 * DroppedCoverGuess#CANONICAL}), so it tracks the canonical loss on both; the peaked model is the harder case for the
 * guess (more mass in the covers it drops). A wrong walk is far off: without completions the bits per byte are not even
 * finite, and renormalising the dropped covers (the former approximation) misses by 0.5-1.6%.
 */
class ChainRuleTest {
    static final String TEXT = "The byte bridge lets a student with any tokenizer learn from a teacher with another."
            + " Distillation over Kafka: the teacher publishes soft labels, the student reads them, 42 times a day.\n"
            + "Caf\u00e9 cr\u00e8me, na\u00efve co\u00f6peration \u2014 and \u65e5\u672c\u8a9e too.";
    /** {@code hf_models.py}'s default: peaked, for greedy decoding. */
    static final double PEAKED = 4.0;

    @ParameterizedTest(name = "{0}, logits of std {3}")
    @CsvSource({
        "llama2, llama, 32000, 0.16, 0.008, 0.05",
        "gpt2, gpt2, 50257, 0.16, 0.007, 0.04",
        "llama2, llama, 32000, 4.0, 0.005, 0.11",
        "gpt2, gpt2, 50257, 4.0, 0.012, 0.07"
    })
    void projectedBitsPerByteEqualTheModelsOwn(
            String tokenizerName,
            String arch,
            int vocab,
            double logitStd,
            double thenAnythingBound,
            double droppedBound,
            @TempDir Path tmp)
            throws Exception {
        Path dir = tinyModel(tokenizerName, arch, vocab, logitStd, tmp);
        try (NDManager manager = NDManager.newBaseManager();
                HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            HfModel model = HfImport.load(dir, Precision.FP32, manager);
            ByteProjection projection = ByteProjection.of(tokenizer);
            long t0 = System.nanoTime();
            ProjectedText p = ProjectedText.of(model.gpt(), tokenizer, projection, manager, TEXT);
            double seconds = (System.nanoTime() - t0) / 1e9;

            double own = BitsPerByte.of(model.gpt(), tokenizer, manager, tokenizer.encodeDocument(TEXT), 1);
            double exactly = report(tokenizerName + " " + logitStd + " one forward", p, own, seconds);
            double thenAnything = (p.nats() + p.prefixNats()) / p.bytes() / Math.log(2);
            assertEquals(p.tokenNats() / p.bytes() / Math.log(2), own, 1e-3 * own, "the same token-level loss");
            for (double[] d : p.next()) {
                assertEquals(1.0, Arrays.stream(d).sum(), 1e-9);
            }
            assertTrue(Math.abs(exactly - own) <= 0.005 * own, "projected " + exactly + " vs own " + own);
            assertTrue(thenAnything <= exactly, "a token ending at the end is one of the ways to go on");
            assertTrue(Math.abs(thenAnything - own) <= thenAnythingBound * own, "then anything: " + thenAnything);
            assertTrue(dropped(p) <= droppedBound, "dropped " + dropped(p) + " bits/byte");
        }
    }

    /**
     * What one extra forward pass per split point buys ({@link OneDeviation}: Phan et al.'s covers of canonical
     * contexts), a measurement: on GPT-2 it drops 8x less mass and the gap shrinks from 1.6% to 1.2%, on Llama 2 it
     * changes nothing (its dropped covers leave the path by two tokens or more); neither reaches the model's own
     * canonical loss, since a random model's non-canonical tokenizations carry real probability. The slowest test of
     * this class (a forward pass per split point: a few seconds per tokenizer on a quiet machine), kept in CI because it is the only
     * check that the extra covers stay consistent with the chain rule.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"gpt2, gpt2, 50257", "llama2, llama, 32000"})
    void extraForwardsAtSplitPointsDropLess(String tokenizerName, String arch, int vocab, @TempDir Path tmp)
            throws Exception {
        Path dir = tinyModel(tokenizerName, arch, vocab, PEAKED, tmp);
        try (NDManager manager = NDManager.newBaseManager();
                HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            HfModel model = HfImport.load(dir, Precision.FP32, manager);
            ByteProjection projection = ByteProjection.of(tokenizer);
            double own = BitsPerByte.of(model.gpt(), tokenizer, manager, tokenizer.encodeDocument(TEXT), 1);
            ProjectedText path = ProjectedText.of(model.gpt(), tokenizer, projection, manager, TEXT);
            OneDeviation[] teacher = new OneDeviation[1];
            long t0 = System.nanoTime();
            ProjectedText p = ProjectedText.of(model.gpt(), tokenizer, projection, manager, TEXT, (ids, rows) -> {
                teacher[0] = new OneDeviation(new CanonicalPath(ids, rows), ids.length, model.gpt(), manager);
                return teacher[0];
            });
            double seconds = (System.nanoTime() - t0) / 1e9;
            double chain = report(tokenizerName + " + " + teacher[0].extraForwards() + " forwards", p, own, seconds);
            assertTrue(Math.abs(chain - own) <= 0.025 * own, "projected " + chain + " vs own " + own);
            System.out.println(
                    String.format(Locale.ROOT, "dropped %.4f bits/byte with one forward per token", dropped(path)));
        }
    }

    private static Path tinyModel(String tokenizerName, String arch, int vocab, double logitStd, Path tmp)
            throws Exception {
        return PythonReference.require()
                .tinyModel(tmp.resolve("model"), arch, vocab, TokenizerCache.modelDir(tokenizerName), 3, logitStd);
    }

    private static double dropped(ProjectedText p) {
        return p.droppedNats() / p.bytes() / Math.log(2);
    }

    /**
     * Prints one line and returns the projection's bits per byte of "the tokens spell exactly the text", dummy prefix
     * included.
     */
    private static double report(String what, ProjectedText p, double own, double seconds) {
        double chain = (p.nats() + p.prefixNats() + p.boundaryNats()) / p.bytes() / Math.log(2);
        double thenAnything = (p.nats() + p.prefixNats()) / p.bytes() / Math.log(2);
        System.out.println(String.format(
                Locale.ROOT,
                "chain rule %s: projected %.4f bits/byte, model's own %.4f (%.3f%%; then anything %.4f, %.3f%%),"
                        + " dropped %.4f bits/byte, %d bytes in %.3f s (%.2f ms/byte)",
                what,
                chain,
                own,
                100 * (chain - own) / own,
                thenAnything,
                100 * (thenAnything - own) / own,
                dropped(p),
                p.bytes(),
                seconds,
                1e3 * seconds / p.bytes()));
        return chain;
    }
}
