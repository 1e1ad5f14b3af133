package io.distill.cli;

import ai.djl.ndarray.NDManager;
import io.distill.lm.eval.BitsPerByte;
import io.distill.lm.train.TextCorpus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "eval",
        description = {
            "Print a model's bits per byte on a text file: how many bits it needs, on average, to predict each "
                    + "next byte. Lower is better; the text's unigram byte entropy is printed beside it as the "
                    + "level of a model that knows only byte frequencies.",
            "",
            "Examples:",
            "  distill eval --model distill-data/teacher --corpus test.txt",
            ""
        })
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Option(names = "--corpus", required = true, paramLabel = "FILE", description = "The text to score.")
    Path corpus;

    @Option(
            names = "--max-bytes",
            defaultValue = "1000000",
            paramLabel = "N",
            description = "Score at most the first N bytes, 0 for all (default: ${DEFAULT-VALUE}).")
    int maxBytes;

    @Option(
            names = "--batch",
            defaultValue = "8",
            paramLabel = "N",
            description = "Windows per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Override
    public Integer call() {
        byte[] text = ModelFiles.readCorpus(corpus);
        if (maxBytes > 0 && text.length > maxBytes) {
            text = Arrays.copyOf(text, maxBytes);
        }
        if (text.length < 2) {
            throw new CliException(CliException.BAD_INPUT, corpus + " has fewer than 2 bytes to score");
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelFiles.Loaded loaded = model.open(manager);
            // scored as the model reads documents: after BOS when its tokenizer adds one, so the first token counts
            int[] ids = loaded.tokenizer().encodeDocument(new String(text, StandardCharsets.UTF_8));
            double bits = BitsPerByte.of(loaded.model(), loaded.tokenizer(), manager, ids, batch);
            spec.commandLine()
                    .getOut()
                    .printf(
                            Locale.ROOT,
                            "%.4f bits/byte on %,d bytes of %s (unigram byte entropy %.4f)%n",
                            bits,
                            text.length,
                            corpus,
                            TextCorpus.unigramEntropyBitsOf(text));
        }
        return 0;
    }
}
