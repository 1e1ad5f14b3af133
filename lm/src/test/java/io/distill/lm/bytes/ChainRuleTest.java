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
 * <p>Issue 15 asks for 0.5%. The one-forward-per-token approximation ({@link CanonicalPath}) measures 1.6% (GPT-2) and
 * 2.0% (Llama 2) below the model's own on these random-weight models, which spread their mass over non-canonical
 * tokenizations; the bounds here are those measurements rounded up (docs/byte-bridge.md), so a regression fails, and
 * the 0.5% stays open. A wrong walk is far off: without completions the bits per byte are not even finite.
 */
class ChainRuleTest {
    static final String TEXT = "The byte bridge lets a student with any tokenizer learn from a teacher with another."
            + " Distillation over Kafka: the teacher publishes soft labels, the student reads them, 42 times a day.\n"
            + "Caf\u00e9 cr\u00e8me, na\u00efve co\u00f6peration \u2014 and \u65e5\u672c\u8a9e too.";

    @ParameterizedTest(name = "{0}")
    @CsvSource({"llama2, llama, 32000, 0.13", "gpt2, gpt2, 50257, 0.04"})
    void projectedBitsPerByteEqualTheModelsOwn(
            String tokenizerName, String arch, int vocab, double droppedBound, @TempDir Path tmp) throws Exception {
        Path dir = tinyModel(tokenizerName, arch, vocab, tmp);
        try (NDManager manager = NDManager.newBaseManager();
                HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            HfModel model = HfImport.load(dir, Precision.FP32, manager);
            ByteProjection projection = ByteProjection.of(tokenizer);
            long t0 = System.nanoTime();
            ProjectedText p = ProjectedText.of(model.gpt(), tokenizer, projection, manager, TEXT);
            double seconds = (System.nanoTime() - t0) / 1e9;

            double own = BitsPerByte.of(model.gpt(), tokenizer, manager, tokenizer.encodeDocument(TEXT), 1);
            double chain = report(tokenizerName + " one forward", p, own, seconds);
            assertEquals(p.tokenNats() / p.bytes() / Math.log(2), own, 1e-3 * own, "the same token-level loss");
            for (double[] d : p.next()) {
                assertEquals(1.0, Arrays.stream(d).sum(), 1e-9);
            }
            assertTrue(Math.abs(chain - own) <= 0.025 * own, "projected " + chain + " vs own " + own);
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
        Path dir = tinyModel(tokenizerName, arch, vocab, tmp);
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
            report(tokenizerName + " + " + teacher[0].extraForwards() + " forwards", p, own, seconds);
            double chain = (p.nats() + p.prefixNats()) / p.bytes() / Math.log(2);
            assertTrue(Math.abs(chain - own) <= 0.025 * own, "projected " + chain + " vs own " + own);
            System.out.println(
                    String.format(Locale.ROOT, "dropped %.4f bits/byte with one forward per token", dropped(path)));
        }
    }

    private static Path tinyModel(String tokenizerName, String arch, int vocab, Path tmp) throws Exception {
        return PythonReference.require()
                .tinyModel(tmp.resolve("model"), arch, vocab, TokenizerCache.modelDir(tokenizerName), 3);
    }

    private static double dropped(ProjectedText p) {
        return p.droppedNats() / p.bytes() / Math.log(2);
    }

    /** Prints one line and returns the projection's bits per byte, dummy prefix included. */
    private static double report(String what, ProjectedText p, double own, double seconds) {
        double chain = (p.nats() + p.prefixNats()) / p.bytes() / Math.log(2);
        System.out.println(String.format(
                Locale.ROOT,
                "chain rule %s: projected %.4f bits/byte, model's own %.4f (%.3f%%), dropped %.4f bits/byte,"
                        + " %d bytes in %.3f s (%.2f ms/byte)",
                what,
                chain,
                own,
                100 * (chain - own) / own,
                dropped(p),
                p.bytes(),
                seconds,
                1e3 * seconds / p.bytes()));
        return chain;
    }
}
