package io.distill.cli;

import io.distill.schemas.Topics;
import io.distill.trainer.OnPolicy;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * On-policy distillation for {@code distill train}: {@code --on-policy λ} and its knobs. Without {@code --on-policy}
 * the other options change nothing.
 */
final class OnPolicyOptions {

    @Option(
            names = "--on-policy",
            paramLabel = "LAMBDA",
            description = "Keep this share of trained tokens on-policy, in (0, 1): the trainer writes continuations "
                    + "of prompts from its input with its latest weights to --text-topic, and trains on their soft "
                    + "labels (GKD's lambda; default: off).")
    Double lambda;

    @Option(
            names = "--sample-tokens",
            defaultValue = "64",
            paramLabel = "N",
            description = "At most this many new tokens per sample (default: ${DEFAULT-VALUE}).")
    int sampleTokens;

    @Option(
            names = "--sample-temperature",
            defaultValue = "1",
            paramLabel = "T",
            description = "Sampling temperature; 0 for greedy (default: ${DEFAULT-VALUE}).")
    float sampleTemperature;

    @Option(
            names = "--max-policy-lag",
            defaultValue = "16",
            paramLabel = "K",
            description = "Train on a sample's labels only while the student is at most K versions (steps) past the "
                    + "weights that wrote it; older ones are skipped and counted (default: ${DEFAULT-VALUE}).")
    long maxPolicyLag;

    @Option(
            names = "--text-topic",
            defaultValue = Topics.TEXT,
            paramLabel = "TOPIC",
            description = "Where on-policy samples are written: the teacher's input (default: ${DEFAULT-VALUE}).")
    String textTopic;

    /** The settings, or empty without {@code --on-policy}; a bad value is an IllegalArgumentException in one line. */
    Optional<OnPolicy> resolve() {
        if (lambda == null) {
            return Optional.empty();
        }
        return Optional.of(new OnPolicy(lambda, sampleTokens, sampleTemperature, maxPolicyLag, textTopic));
    }
}
