package io.distill.lm.hf;

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
import java.util.stream.Collectors;

/**
 * {@code benchmarks/hf_models.py} (tiny random Hugging Face model directories) and {@code benchmarks/hf_reference.py}
 * (an independent plain-PyTorch forward), run with Debian's {@code /usr/bin/python3} and its torch. Skipped when
 * that is missing, except under {@code CI=true}, where it must be there.
 */
public final class PythonReference {

    static final Path PYTHON = Path.of("/usr/bin/python3");

    private final Path benchmarks;

    private PythonReference(Path benchmarks) {
        this.benchmarks = benchmarks;
    }

    /** The reference, or a skipped test (a failed one under CI) when python3 with torch is missing. */
    public static PythonReference require() throws IOException, InterruptedException {
        boolean inCi = "true".equals(System.getenv("CI"));
        boolean present = Files.isExecutable(PYTHON)
                && run(List.of(PYTHON.toString(), "-c", "import torch")).ok();
        if (inCi && !present) {
            throw new IllegalStateException(
                    "/usr/bin/python3 with torch is missing; .ci/run should install python3-torch");
        }
        assumeTrue(present, "/usr/bin/python3 with torch is missing (apt-get install python3-torch)");
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("benchmarks/hf_reference.py"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "benchmarks/hf_reference.py not found above " + Path.of("").toAbsolutePath());
        }
        return new PythonReference(dir.resolve("benchmarks"));
    }

    /**
     * A tiny random-weight model of {@code arch} (2 layers, 64 wide, 4 heads, 256 positions) with the real tokenizer
     * of {@code tokenizerDir} and a vocabulary of {@code vocab}, as the byte projection's tests use it.
     */
    public Path tinyModel(Path dir, String arch, int vocab, Path tokenizerDir, int seed)
            throws IOException, InterruptedException {
        return tinyModel(dir, arch, vocab, tokenizerDir, seed, 4.0);
    }

    /**
     * As {@link #tinyModel(Path, String, int, Path, int)} with output logits of standard deviation {@code logitStd}
     * ({@code hf_models.py --logit-std}: embeddings of std {@code logitStd / sqrt(64)}, so 0.16 is Hugging Face's
     * {@code initializer_range} 0.02, 4 the default, peaked for greedy decoding).
     */
    public Path tinyModel(Path dir, String arch, int vocab, Path tokenizerDir, int seed, double logitStd)
            throws IOException, InterruptedException {
        make(
                dir,
                "--arch",
                arch,
                "--layers",
                "2",
                "--hidden",
                "64",
                "--heads",
                "4",
                "--vocab-size",
                String.valueOf(vocab),
                "--max-pos",
                "256",
                "--tokenizer-dir",
                tokenizerDir.toString(),
                "--seed",
                String.valueOf(seed),
                "--logit-std",
                String.valueOf(logitStd));
        return dir;
    }

    /** {@code hf_models.py make --out dir} with the given flags. */
    public void make(Path dir, String... flags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("make", "--out", dir.toString()));
        cmd.addAll(Arrays.asList(flags));
        script("hf_models.py", cmd);
    }

    /** The reference's (T, V) logits for {@code ids} at {@code precision} (fp32 or bf16). */
    float[][] logits(Path model, int[] ids, String precision) throws IOException, InterruptedException {
        Path out = Files.createTempFile("logits", ".f32");
        try {
            String shape = script(
                            "hf_reference.py",
                            List.of(
                                    "logits",
                                    "--model",
                                    model.toString(),
                                    "--ids",
                                    join(ids),
                                    "--precision",
                                    precision,
                                    "--out",
                                    out.toString()))
                    .trim();
            String[] tv = shape.split(" ");
            int t = Integer.parseInt(tv[0]);
            int v = Integer.parseInt(tv[1]);
            ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
            float[][] logits = new float[t][v];
            for (float[] row : logits) {
                buf.asFloatBuffer().get(row);
                buf.position(buf.position() + 4 * v);
            }
            return logits;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** The reference's greedy continuation of {@code ids}, {@code tokens} long, never stopping at an end id. */
    int[] generate(Path model, int[] ids, int tokens) throws IOException, InterruptedException {
        String out = script(
                "hf_reference.py",
                List.of(
                        "generate",
                        "--model",
                        model.toString(),
                        "--ids",
                        join(ids),
                        "--tokens",
                        "" + tokens,
                        "--eos",
                        "-1"));
        return Arrays.stream(out.trim().split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private String script(String name, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(
                List.of(PYTHON.toString(), benchmarks.resolve(name).toString()));
        cmd.addAll(args);
        Result r = run(cmd);
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + r.output());
        }
        return r.output();
    }

    private record Result(boolean ok, String output) {}

    private static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor() == 0, out);
    }

    private static String join(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }
}
