package io.distill.cli;

import picocli.CommandLine.Option;

/**
 * How long a throughput benchmark measures (bench, bench trainer, bench forward): untimed warmup iterations, then
 * timed ones. Each command constructs this with its own defaults; an iteration is a training step, or a forward pass
 * for {@code bench forward}.
 */
final class TimedRunOptions {
    @Option(names = "--steps", paramLabel = "N", description = "Timed iterations (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", paramLabel = "N", description = "Untimed iterations first (default: ${DEFAULT-VALUE}).")
    int warmup;

    TimedRunOptions(int steps, int warmup) {
        this.steps = steps;
        this.warmup = warmup;
    }
}
