package io.distill.cli.demo;

/**
 * One reading of the demo's live status, taken every few seconds; the report draws its curves from these.
 *
 * @param seconds since the demo started
 * @param studentTokens tokens the student has trained on so far
 * @param kdLoss the student's latest distillation loss (NaN before the first step)
 * @param ceLoss the student's latest hard-label cross-entropy, nats
 * @param studentBitsPerByte the student's latest holdout bits per byte (NaN before the first checkpoint)
 * @param teacherBitsPerByte the teacher's bits per byte on the same holdout windows (NaN if unknown)
 * @param teacherTokensPerSecond the teacher service's labelling rate
 * @param trainerTokensPerSecond the trainer's training rate
 */
public record DemoSample(
        double seconds,
        long studentTokens,
        double kdLoss,
        double ceLoss,
        double studentBitsPerByte,
        double teacherBitsPerByte,
        double teacherTokensPerSecond,
        double trainerTokensPerSecond) {}
