package io.distill.lm.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.distill.lm.model.Precision;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * distill's forward of imported Hugging Face models against an independent plain-PyTorch forward written from
 * transformers' modeling files ({@code benchmarks/hf_reference.py}), on tiny random models in the exact Hugging Face
 * layout ({@code benchmarks/hf_models.py}): logits at every position, greedy continuations, and exported
 * directories read back by the reference.
 */
class HfReferenceTest {

    private static final int[] PROMPT = {1, 17, 42, 99, 3, 250, 128, 7, 64, 200, 5, 33};
    private static final double FP32_TOLERANCE = 1e-4;
    /** bf16 has an 8-bit mantissa: differences relative to the largest logit, as the issue allows. */
    private static final double BF16_RELATIVE_TOLERANCE = 2e-2;

    private static PythonReference python;
    private NDManager manager;

    @BeforeAll
    static void requirePython() throws Exception {
        python = PythonReference.require();
    }

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    static Stream<Arguments> variants() {
        return Stream.of(
                Arguments.of(
                        "llama GQA tied", new String[] {"--arch", "llama", "--kv-heads", "2", "--intermediate", "96"}),
                Arguments.of(
                        "llama untied head_dim",
                        new String[] {"--arch", "llama", "--kv-heads", "2", "--head-dim", "24", "--untied"}),
                Arguments.of("llama3 rope scaling", new String[] {
                    "--arch", "llama", "--rope-scaling", "llama3", "--rope-theta", "500000", "--rope-original", "16"
                }),
                Arguments.of(
                        "qwen2 qkv bias", new String[] {"--arch", "qwen2", "--kv-heads", "2", "--intermediate", "96"}),
                Arguments.of("gpt2", new String[] {"--arch", "gpt2"}),
                Arguments.of("gpt2 legacy names", new String[] {"--arch", "gpt2", "--legacy-names"}),
                Arguments.of(
                        "llama bf16-stored", new String[] {"--arch", "llama", "--kv-heads", "2", "--dtype", "bf16"}),
                Arguments.of("qwen2 f16-stored", new String[] {"--arch", "qwen2", "--dtype", "f16"}),
                Arguments.of("llama sharded", new String[] {"--arch", "llama", "--kv-heads", "2", "--shards", "3"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fp32LogitsAndGreedyIdsEqualTheReference(String name, String[] flags, @TempDir Path tmp) throws Exception {
        Path dir = make(tmp, flags);
        HfModel model = HfImport.load(dir, Precision.FP32, manager);
        double diff = Logits.maxAbsDiff(Logits.of(model.gpt(), manager, PROMPT), python.logits(dir, PROMPT, "fp32"));
        report(name, "fp32 max abs diff", diff);
        assertTrue(diff <= FP32_TOLERANCE, name + ": fp32 logits differ by " + diff);
        int[] prompt = {PROMPT[0], PROMPT[1], PROMPT[2]};
        assertArrayEquals(python.generate(dir, prompt, 8), Logits.greedy(model.gpt(), manager, prompt, 8), name);
    }

    static Stream<Arguments> bf16Variants() {
        return variants()
                .filter(a -> a.get()[0].equals("llama GQA tied")
                        || a.get()[0].equals("qwen2 qkv bias")
                        || a.get()[0].equals("gpt2"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bf16Variants")
    void bf16LogitsMatchTheReferenceUnderAutocast(String name, String[] flags, @TempDir Path tmp) throws Exception {
        Path dir = make(tmp, flags);
        HfModel model = HfImport.load(dir, Precision.BF16, manager);
        float[][] reference = python.logits(dir, PROMPT, "bf16");
        double relative =
                Logits.maxAbsDiff(Logits.of(model.gpt(), manager, PROMPT), reference) / Logits.maxAbs(reference);
        report(name, "bf16 max diff / max |logit|", relative);
        assertTrue(relative <= BF16_RELATIVE_TOLERANCE, name + ": bf16 logits differ by " + relative + " of scale");
    }

    static Stream<Arguments> exportVariants() {
        return Stream.of(
                Arguments.of(
                        "llama untied head_dim",
                        new String[] {"--arch", "llama", "--kv-heads", "2", "--head-dim", "24", "--untied"},
                        HfExport.Dtype.F32),
                Arguments.of("qwen2 qkv bias", new String[] {"--arch", "qwen2", "--kv-heads", "2"}, HfExport.Dtype.F32),
                Arguments.of(
                        "gpt2 legacy names", new String[] {"--arch", "gpt2", "--legacy-names"}, HfExport.Dtype.F32),
                Arguments.of(
                        "llama3 as bf16",
                        new String[] {"--arch", "llama", "--rope-scaling", "llama3", "--rope-original", "16"},
                        HfExport.Dtype.BF16));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exportVariants")
    void exportedDirectoriesRunInTheReference(String name, String[] flags, HfExport.Dtype dtype, @TempDir Path tmp)
            throws Exception {
        Path dir = make(tmp, flags);
        HfModel model = HfImport.load(dir, Precision.FP32, manager);
        Path out = tmp.resolve("exported");
        HfExport.write(model.gpt(), model.config().family(), model.config().tokens(), dir, out, dtype);
        // what the reference computes from the exported files equals what distill computes from them
        HfModel back = HfImport.load(out, Precision.FP32, manager);
        double diff = Logits.maxAbsDiff(Logits.of(back.gpt(), manager, PROMPT), python.logits(out, PROMPT, "fp32"));
        report(name, "export " + dtype + " -> reference, fp32 max abs diff", diff);
        assertTrue(diff <= FP32_TOLERANCE, name + ": exported logits differ by " + diff);
    }

    private static Path make(Path tmp, String[] flags) throws Exception {
        Path dir = tmp.resolve("model");
        String[] common = {"--layers", "2", "--hidden", "64", "--heads", "4", "--vocab-size", "256", "--max-pos", "64"};
        String[] all = Stream.concat(Stream.of(common), Stream.of(flags)).toArray(String[]::new);
        python.make(dir, all);
        return dir;
    }

    private static void report(String variant, String what, double value) {
        System.out.println(String.format(Locale.ROOT, "HF %-24s %-45s %.3e", variant, what, value));
    }
}
