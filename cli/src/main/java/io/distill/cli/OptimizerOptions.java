package io.distill.cli;

import picocli.CommandLine.Option;

/**
 * The optimizer's options, shared by every command that trains (pretrain, train, bench quality). Commands differ in
 * their defaults, so each one constructs this with its own: picocli shows a field's initial value as its default.
 */
final class OptimizerOptions {
    @Option(
            names = "--lr",
            paramLabel = "RATE",
            description = "Learning rate after the warmup (default: ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--warmup", paramLabel = "STEPS", description = "Linear warmup steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--batch", paramLabel = "N", description = "Windows per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--seed",
            paramLabel = "N",
            description = "Random seed of the initialisation, and of the batches where the command draws them "
                    + "(default: ${DEFAULT-VALUE}).")
    long seed;

    OptimizerOptions(float learningRate, int warmup, int batch, long seed) {
        this.learningRate = learningRate;
        this.warmup = warmup;
        this.batch = batch;
        this.seed = seed;
    }
}
