package io.distill.lm.train;

/**
 * Learning rate by step (nanoGPT's {@code get_lr}): linear warmup to {@code peak}, then a schedule without an end,
 * since a stream has no last step.
 *
 * @param peak the learning rate reached at the end of warmup
 * @param warmupSteps steps of linear warmup; 0 starts at {@code peak}
 * @param decay what follows warmup
 */
public record LearningRateSchedule(float peak, int warmupSteps, Decay decay) {

    public enum Decay {
        /** Stay at {@code peak}. */
        CONSTANT,
        /** {@code peak * sqrt(warmupSteps / (step + 1))} (Vaswani et al. 2017): slows down, never stops. */
        INVERSE_SQRT
    }

    public LearningRateSchedule {
        if (!(peak > 0f) || Float.isInfinite(peak)) {
            throw new IllegalArgumentException("peak learning rate must be positive and finite, got " + peak);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
        }
        if (decay == null) {
            throw new IllegalArgumentException("decay is required");
        }
    }

    /** The learning rate for the update that follows {@code step} completed updates (0-based). */
    public float at(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        if (step < warmupSteps) {
            return (float) ((double) peak * (step + 1) / warmupSteps);
        }
        return switch (decay) {
            case CONSTANT -> peak;
            case INVERSE_SQRT -> (float) (peak * Math.sqrt(Math.max(warmupSteps, 1) / (double) (step + 1)));
        };
    }
}
