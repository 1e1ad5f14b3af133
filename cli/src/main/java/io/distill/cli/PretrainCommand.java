package io.distill.cli;

import ai.djl.ndarray.NDManager;
import io.distill.lm.artifact.CompanionFiles;
import io.distill.lm.artifact.ModelBundle;
import io.distill.lm.artifact.WeightFormat;
import io.distill.lm.eval.Sampler;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.PrecisionChoice;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.tokenize.Tokenizer;
import io.distill.lm.train.Pretraining;
import io.distill.lm.train.SparsitySchedule;
import io.distill.lm.train.TextCorpus;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "pretrain",
        description = {
            "Train a model from scratch on a text file for a fixed time, e.g. to make a teacher.",
            "",
            "Holds out 5%% of the file (every 20th 4 KiB block) and reports bits per byte on it, next to the "
                    + "text's unigram byte entropy: a model has learned when it is well below. Shows tokens/s, "
                    + "loss and ETA while it runs; saves a model directory that `distill teacher`, `distill eval` "
                    + "and `distill generate` load.",
            "",
            "Examples:",
            "  distill pretrain --corpus book.txt --minutes 10 --out distill-data/teacher",
            "  distill pretrain --corpus notes.txt --size student-1m --minutes 2 --out /tmp/small",
            "  distill pretrain --corpus builtin --student-config gpt2-small.json --tokenizer-dir gpt2/ --out bpe",
            "    (a Hugging Face family's shape with a real tokenizer: the saved directory carries the tokenizer)",
            ""
        })
final class PretrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--corpus",
            required = true,
            paramLabel = "FILE",
            description = "Text to train on (any bytes), or 'builtin' for the project's own docs and sources.")
    Path corpus;

    @Option(
            names = "--size",
            defaultValue = "teacher-15m",
            paramLabel = "SIZE",
            description = "Model size: tiny, student-1m, teacher-15m (default: ${DEFAULT-VALUE}); "
                    + "ignored with --student-config.")
    String size;

    @Mixin
    StudentModelOptions model;

    @Option(
            names = "--minutes",
            defaultValue = "10",
            paramLabel = "M",
            description = "Training time (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(
            names = "--out",
            defaultValue = "distill-data/teacher",
            paramLabel = "DIR",
            description = "Where to save the model (default: ${DEFAULT-VALUE}); replaced if it exists.")
    Path out;

    @Mixin
    PrecisionOption precision = new PrecisionOption("auto");

    // a fixed-time run: a short warmup (50 steps, the trainer's is 100) leaves more of it at the full rate
    @Mixin
    OptimizerOptions optimizer = new OptimizerOptions(1e-3f, 50, 8, 1);

    @Option(
            names = "--max-steps",
            defaultValue = "0",
            paramLabel = "N",
            description = "Stop after N steps even if time is left; 0 for no limit (default: ${DEFAULT-VALUE}).")
    long maxSteps;

    @Option(
            names = "--prune-to",
            defaultValue = "0",
            paramLabel = "SPARSITY",
            description = "Gradual magnitude pruning (Zhu & Gupta) of the attention and MLP matrices to this "
                    + "fraction of zeros, e.g. 0.5; 0 for none (default: ${DEFAULT-VALUE}).")
    double pruneTo;

    @Option(
            names = "--prune-steps",
            defaultValue = "100,600,20",
            split = ",",
            paramLabel = "START,END,EVERY",
            description = "Pruning starts at step START, reaches --prune-to at END, updating masks every EVERY "
                    + "steps (default: ${DEFAULT-VALUE}).")
    List<Long> pruneSteps;

    @Override
    public Integer call() {
        if (!(minutes > 0)) {
            throw new CliException(CliException.BAD_INPUT, "--minutes must be positive, got " + minutes);
        }
        StudentModelOptions.Student chosen = model.resolveFromScratch(size);
        try (Tokenizer tokenizer = chosen.origin().tokenizer()) {
            return pretrain(chosen.model(), tokenizer, chosen.origin().companions());
        }
    }

    private int pretrain(LmConfig config, Tokenizer tokenizer, CompanionFiles companions) {
        String name =
                model.studentConfig != null ? model.studentConfig.getFileName().toString() : size;
        TextCorpus text;
        try {
            text = TextCorpus.of(ModelFiles.readCorpus(corpus), 0.05, tokenizer);
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, corpus + ": " + e.getMessage());
        }
        PrecisionChoice choice = precision.resolve();
        PrintWriter err = spec.commandLine().getErr();
        err.printf(
                Locale.ROOT,
                "pretrain: %s (%,d parameters, tokenizer %s) on %s: %,d training tokens, %,d held out; precision %s%n",
                name,
                config.parameterCount(),
                tokenizer.id(),
                corpus,
                text.trainTokens(),
                text.holdoutTokens(),
                choice);
        var options = new Pretraining.Options(
                config,
                choice.precision(),
                optimizer.batch,
                optimizer.learningRate,
                optimizer.warmup,
                Duration.ofMillis((long) (minutes * 60_000)),
                optimizer.seed,
                Duration.ofSeconds(60),
                periodicEvalTokens(tokenizer),
                pruning(),
                maxSteps);
        PretrainingProgress progress = new PretrainingProgress(err, "pretrain:", text.unigramEntropyBits());
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt trained;
            try {
                trained = Pretraining.run(text, options, manager, progress);
            } catch (IllegalArgumentException e) {
                throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
            }
            save(trained, companions);
            String sample = sample(trained, tokenizer, manager);
            PrintWriter stdout = spec.commandLine().getOut();
            stdout.printf(
                    Locale.ROOT,
                    "saved %s to %s: holdout %.3f bits/byte, unigram byte entropy of the text %.3f%n",
                    name,
                    out,
                    progress.lastHoldout(),
                    text.unigramEntropyBits());
            stdout.println("sample: " + sample.replace("\n", "\\n"));
        }
        return 0;
    }

    /**
     * Holdout tokens of each periodic evaluation: 64 KiB of text for the byte models; 4,096 tokens (about 16 KiB) for
     * a real vocabulary, whose output layer costs ~200x more per position (the final evaluation takes the whole
     * holdout either way).
     */
    private static int periodicEvalTokens(Tokenizer tokenizer) {
        return tokenizer instanceof ByteTokenizer ? 64 * 1024 : 4096;
    }

    private Optional<SparsitySchedule> pruning() {
        if (pruneTo == 0) {
            return Optional.empty();
        }
        if (pruneSteps.size() != 3) {
            throw new CliException(CliException.BAD_INPUT, "--prune-steps takes START,END,EVERY");
        }
        try {
            return Optional.of(
                    new SparsitySchedule(0, pruneTo, pruneSteps.get(0), pruneSteps.get(1), pruneSteps.get(2)));
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, "pruning: " + e.getMessage());
        }
    }

    private void save(Gpt trained, CompanionFiles companions) {
        try {
            ModelBundle.export(trained, companions, out, WeightFormat.FP32);
        } catch (IOException e) {
            throw new CliException(CliException.FAILED, "cannot save the model to " + out + ": " + e.getMessage(), e);
        }
    }

    /** A short continuation of the first holdout-like line, to show what the model learned. */
    private String sample(Gpt trained, Tokenizer tokenizer, NDManager manager) {
        int[] prompt = tokenizer.encodeDocument("The");
        int[] continuation =
                new Sampler(trained, manager).generate(prompt, 120, 0.8f, 40, new SplittableRandom(optimizer.seed));
        return "The" + tokenizer.decodeText(continuation);
    }
}
