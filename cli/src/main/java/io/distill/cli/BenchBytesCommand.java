package io.distill.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.bench.ChainRuleBenchmark;
import io.distill.lm.bytes.DroppedCoverGuess;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.Precision;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.tokenize.Tokenizer;
import io.distill.lm.train.TextCorpus;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "bytes",
        description = {
            "Measure the byte projection's chain rule on a teacher: the held-out text's bits per byte under the "
                    + "projected next-byte distributions (`teacher --project bytes`) against the teacher's own "
                    + "token-level bits per byte of the same tokens, and the gap, once per way of handling the "
                    + "covers the one forward pass never runs (the teacher service's last); then the same for a model "
                    + "of the same shape with random weights, in the same run (docs/byte-bridge.md).",
            "",
            "The text is the held-out 5%% of the corpus (the blocks `distill pretrain` never trains on), cut at "
                    + "line starts into segments that fit the teacher's context, one forward pass each.",
            "",
            "Examples:",
            "  distill bench bytes --teacher distill-data/bpe-teacher",
            "  distill bench bytes --teacher path/to/llama --corpus book.txt --bytes 20000",
            ""
        })
final class BenchBytesCommand implements Callable<Integer> {
    private static final Map<DroppedCoverGuess, String> GUESS_NAMES = Map.of(
            DroppedCoverGuess.RENORMALISE, "renormalised away (before)",
            DroppedCoverGuess.FIRST_BYTES, "(a) guessed: first bytes at the nearest run context",
            DroppedCoverGuess.UNMERGED_FIRST_BYTES,
                    "(b) guessed: same, without bytes that would merge into the dropped token",
            DroppedCoverGuess.CANONICAL, "(c) as (b), and duplicate spellings removed (the teacher service)");

    @Spec
    CommandSpec spec;

    @Option(
            names = "--teacher",
            required = true,
            paramLabel = "DIR",
            description = "A model with a byte-level BPE or byte-fallback tokenizer (Hugging Face directory, or a "
                    + "`distill pretrain --tokenizer-dir` model).")
    Path teacher;

    @Option(
            names = "--corpus",
            defaultValue = ModelFiles.BUILTIN_CORPUS,
            paramLabel = "FILE",
            description = "Text whose held-out part is measured, or 'builtin' (default: ${DEFAULT-VALUE}).")
    Path corpus;

    @Option(
            names = "--bytes",
            defaultValue = "8192",
            paramLabel = "N",
            description = "Bytes of held-out text to measure, at least (default: ${DEFAULT-VALUE}).")
    long bytes;

    @Option(
            names = "--seed",
            defaultValue = "1",
            paramLabel = "N",
            description = "Seed of the random-weight model (default: ${DEFAULT-VALUE}).")
    int seed;

    @Override
    public Integer call() {
        if (bytes < 1) {
            throw new CliException(CliException.BAD_INPUT, "--bytes must be positive, got " + bytes);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelFiles.Loaded loaded = ModelFiles.open(teacher, Precision.FP32, manager);
            try (var tokenizer = loaded.tokenizer()) {
                if (tokenizer instanceof ByteTokenizer) {
                    throw new CliException(
                            CliException.BAD_INPUT, teacher + " reads bytes already: nothing to project");
                }
                TextCorpus text;
                try {
                    text = TextCorpus.of(ModelFiles.readCorpus(corpus), 0.05, tokenizer);
                } catch (IllegalArgumentException e) {
                    throw new CliException(CliException.BAD_INPUT, corpus + ": " + e.getMessage());
                }
                String holdout = new String(tokenizer.decode(text.holdout()), StandardCharsets.UTF_8);
                var segments = ChainRuleBenchmark.segments(
                        holdout, tokenizer, loaded.model().config().context(), bytes);
                if (segments.texts().isEmpty()) {
                    throw new CliException(CliException.BAD_INPUT, corpus + ": no held-out line fits the context");
                }
                out.printf(
                        Locale.ROOT,
                        "chain rule of the byte projection: %s (tokenizer %s), %d segments of the held-out part of %s"
                                + " (%d lines longer than the context left out)%n%n",
                        teacher,
                        tokenizer.id(),
                        segments.texts().size(),
                        corpus,
                        segments.skippedLines());
                out.println("| model | covers the teacher never ran | bytes | projected bits/byte | own bits/byte | gap"
                        + " | gap, a token ending at the end | dropped bits/byte | ms/byte |");
                out.println("|---|---|---|---|---|---|---|---|---|");
                rows(out, "trained: " + teacher.getFileName(), loaded.model(), tokenizer, segments, manager);
                Engine.getInstance().setRandomSeed(seed);
                Gpt random = Gpt.create(loaded.model().config(), Precision.FP32, manager);
                rows(out, "same shape, random weights", random, tokenizer, segments, manager);
            }
        }
        return 0;
    }

    /** One row per way of handling the covers the one forward pass leaves out, the teacher service's last. */
    private static void rows(
            PrintWriter out,
            String name,
            Gpt model,
            Tokenizer tokenizer,
            ChainRuleBenchmark.Segments segments,
            NDManager manager) {
        for (DroppedCoverGuess guess : DroppedCoverGuess.values()) {
            ChainRuleBenchmark.Result r;
            try {
                r = ChainRuleBenchmark.run(model, tokenizer, segments, manager, guess);
            } catch (IllegalArgumentException e) {
                throw new CliException(CliException.BAD_INPUT, "cannot project: " + e.getMessage(), e);
            }
            out.printf(
                    Locale.ROOT,
                    "| %s | %s | %,d | %.4f | %.4f | %+.2f%% | %+.2f%% | %.4f | %.2f |%n",
                    name,
                    GUESS_NAMES.get(guess),
                    r.bytes(),
                    r.projectedBitsPerByte(),
                    r.ownBitsPerByte(),
                    100 * r.gap(),
                    100 * r.gapAtBoundary(),
                    r.droppedBitsPerByte(),
                    1e3 * r.seconds() / r.bytes());
            out.flush();
        }
    }
}
