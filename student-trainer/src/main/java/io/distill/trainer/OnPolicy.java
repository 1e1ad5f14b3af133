package io.distill.trainer;

import java.util.Objects;

/**
 * The settings of on-policy distillation ({@code distill train --on-policy}): the trainer writes continuations of
 * prompts from its input with its own latest weights to the text topic, the teacher labels them like any text, and
 * the trainer trains on those labels while the weights that wrote them are at most {@code maxPolicyLag} versions
 * old.
 *
 * @param lambda the share of trained tokens to keep on-policy, in (0, 1): GKD's λ
 * @param sampleTokens at most this many new tokens per sample
 * @param temperature the sampling temperature; 0 for greedy decoding
 * @param maxPolicyLag train on a sample's labels only while (current version − the sample's version) is at most
 *     this; a version is a training step, the number a published checkpoint carries
 * @param textTopic where the samples are written, the teacher's input
 */
public record OnPolicy(double lambda, int sampleTokens, float temperature, long maxPolicyLag, String textTopic) {

    /** Tokens of an off-policy window a prompt is made of (fewer when the student's context is short). */
    public static final int PROMPT_TOKENS = 16;

    public OnPolicy {
        Objects.requireNonNull(textTopic, "textTopic");
        if (!(lambda > 0 && lambda < 1)) {
            throw new IllegalArgumentException("--on-policy must be in (0, 1), got " + lambda);
        }
        if (sampleTokens < 1) {
            throw new IllegalArgumentException("--sample-tokens must be >= 1, got " + sampleTokens);
        }
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("--sample-temperature must be >= 0 and finite, got " + temperature);
        }
        if (maxPolicyLag < 0) {
            throw new IllegalArgumentException("--max-policy-lag must be >= 0, got " + maxPolicyLag);
        }
        if (textTopic.isBlank()) {
            throw new IllegalArgumentException("the text topic must not be empty");
        }
    }

    /** The prompt length for a student of this context: a quarter of it at most, so the continuation has room. */
    public static int promptTokens(int context) {
        return Math.max(1, Math.min(PROMPT_TOKENS, context / 4));
    }
}
