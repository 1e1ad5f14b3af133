package io.distill.cli;

import ai.djl.ndarray.NDManager;
import io.distill.lm.eval.Sampler;
import io.distill.lm.tokenize.Tokenizer;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "generate",
        description = {
            "Continue a prompt with a model: sampling at a temperature among the top-k most likely bytes, or "
                    + "greedy with --temperature 0.",
            "",
            "Examples:",
            "  distill generate --model distill-data/teacher --prompt 'Kafka is'",
            "  distill generate --model student.d --prompt 'The ' --tokens 400 --temperature 0.7 --top-k 20",
            ""
        })
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The text to continue.")
    String prompt;

    @Option(
            names = "--tokens",
            defaultValue = "200",
            paramLabel = "N",
            description = "Tokens to generate (bytes for the own models; default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(
            names = "--temperature",
            defaultValue = "0.8",
            paramLabel = "T",
            description = "Sampling temperature, 0 for greedy (argmax; default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(
            names = "--top-k",
            defaultValue = "40",
            paramLabel = "K",
            description = "Sample among the K likeliest, 0 for all (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(
            names = "--seed",
            defaultValue = "1",
            paramLabel = "N",
            description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        if (tokens < 0 || temperature < 0 || topK < 0) {
            throw new CliException(CliException.BAD_INPUT, "--tokens, --temperature and --top-k must not be negative");
        }
        if (prompt.isEmpty()) {
            throw new CliException(CliException.BAD_INPUT, "--prompt must not be empty");
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelFiles.Loaded loaded = model.open(manager);
            Tokenizer tokenizer = loaded.tokenizer();
            int[] ids = tokenizer.encodeDocument(prompt);
            int[] out = new Sampler(loaded.model(), manager, tokenizer.eos())
                    .generate(ids, tokens, temperature, topK, new SplittableRandom(seed));
            spec.commandLine().getOut().println(prompt + tokenizer.decodeText(out));
        }
        return 0;
    }
}
