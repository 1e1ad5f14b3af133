package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Hugging Face test material for the command tests: tiny random models written by {@code benchmarks/hf_models.py},
 * the independent PyTorch forward of {@code benchmarks/hf_reference.py} (Debian's python3-torch), and the real
 * tokenizers fetched by {@code .ci/fetch-tokenizers.sh}. Missing material skips a test, except under {@code CI=true},
 * where it fails.
 */
final class HfFixtures {

    private static final Path PYTHON = Path.of("/usr/bin/python3");

    private HfFixtures() {}

    /** A tiny random Llama ({@code layers} blocks, grouped-query heads) with the real Llama 2-kind tokenizer. */
    static Path tinyLlama(Path dir, int layers, int seed) throws IOException, InterruptedException {
        return tinyModel(dir, "llama", layers, 32000, "llama2", seed, "--kv-heads", "2", "--intermediate", "160");
    }

    /** A tiny random GPT-2 ({@code layers} blocks) with the real GPT-2 tokenizer. */
    static Path tinyGpt2(Path dir, int layers, int seed) throws IOException, InterruptedException {
        return tinyModel(dir, "gpt2", layers, 50257, "gpt2", seed);
    }

    /** {@code hf_models.py make}: hidden 64, 4 heads, the real tokenizer {@code tokenizer} of the cache. */
    private static Path tinyModel(
            Path dir, String arch, int layers, int vocab, String tokenizer, int seed, String... extra)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(
                "make",
                "--out",
                dir.toString(),
                "--arch",
                arch,
                "--layers",
                Integer.toString(layers),
                "--hidden",
                "64",
                "--heads",
                "4",
                "--vocab-size",
                Integer.toString(vocab),
                "--tokenizer-dir",
                tokenizerCache().resolve("models/" + tokenizer).toString(),
                "--seed",
                Integer.toString(seed)));
        args.addAll(List.of(extra));
        python("hf_models.py", args.toArray(String[]::new));
        return dir;
    }

    /** The reference's greedy continuation of {@code ids}. */
    static int[] greedy(Path model, int[] ids, int tokens) throws IOException, InterruptedException {
        String out = python(
                        "hf_reference.py",
                        "generate",
                        "--model",
                        model.toString(),
                        "--ids",
                        join(ids),
                        "--tokens",
                        Integer.toString(tokens))
                .trim();
        return out.isEmpty()
                ? new int[0]
                : Arrays.stream(out.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** The reference's (T, V) fp32 logits of {@code ids}, row-major. */
    static float[] logits(Path model, int[] ids, Path scratch) throws IOException, InterruptedException {
        Path file = scratch.resolve("logits-" + System.nanoTime() + ".f32");
        python("hf_reference.py", "logits", "--model", model.toString(), "--ids", join(ids), "--out", file.toString());
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(out);
        return out;
    }

    static Path tokenizerCache() {
        String env = System.getenv("DISTILL_TOKENIZER_CACHE");
        Path root =
                env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache/distill/npm-tokenizers");
        require(
                Files.isRegularFile(root.resolve("models/llama2/tokenizer.json")),
                "the tokenizer cache at " + root + " (bash .ci/fetch-tokenizers.sh)");
        return root;
    }

    private static String python(String script, String... args) throws IOException, InterruptedException {
        require(Files.isExecutable(PYTHON), "/usr/bin/python3 with torch (apt-get install python3-torch)");
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("benchmarks/" + script))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "benchmarks/" + script + " not found above " + Path.of("").toAbsolutePath());
        }
        List<String> cmd = new ArrayList<>(
                List.of(PYTHON.toString(), dir.resolve("benchmarks/" + script).toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), script + " failed: " + out);
        return out;
    }

    private static String join(int[] ids) {
        return String.join(",", Arrays.stream(ids).mapToObj(Integer::toString).toList());
    }

    private static void require(boolean present, String what) {
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("missing under CI: " + what);
        }
        assumeTrue(present, "skipped: missing " + what);
    }
}
