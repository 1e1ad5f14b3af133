package io.distill.lm.train;

/**
 * The gradual pruning schedule of Zhu and Gupta (2017, "To prune, or not to prune"): sparsity rises from {@code
 * initial} at {@code startStep} to {@code target} at {@code endStep} along a cubic, fast at first while the
 * network has redundant weights to lose, slowly near the end; masks are recomputed every {@code every} steps.
 *
 * <pre>
 * s_t = s_f + (s_i - s_f) * (1 - (t - t0) / (n * dt))^3     for t0 <= t <= t0 + n * dt
 * </pre>
 *
 * with {@code t0 = startStep}, {@code dt = every} and {@code n * dt = endStep - startStep}. Before {@code
 * startStep} the model is dense; after {@code endStep} the sparsity stays at {@code target}.
 *
 * @param initial s_i, sparsity applied at the first pruning step, in [0, target]
 * @param target s_f, final sparsity, in [initial, 1)
 * @param startStep t0, the first pruning step
 * @param endStep t0 + n * dt, the last pruning step; after {@code startStep}
 * @param every dt, steps between mask updates; must divide {@code endStep - startStep}
 */
public record SparsitySchedule(double initial, double target, long startStep, long endStep, long every) {

    public SparsitySchedule {
        if (!(initial >= 0 && initial <= target && target < 1)) {
            throw new IllegalArgumentException("need 0 <= initial <= target < 1, got " + initial + ", " + target);
        }
        if (startStep < 0 || endStep <= startStep || every < 1 || (endStep - startStep) % every != 0) {
            throw new IllegalArgumentException("need 0 <= startStep < endStep and every >= 1 dividing endStep - "
                    + "startStep, got " + startStep + ", " + endStep + ", " + every);
        }
    }

    /** The sparsity the schedule asks for after {@code step} steps (0 before the start, the target after the end). */
    public double at(long step) {
        if (step < startStep) {
            return 0;
        }
        if (step >= endStep) {
            return target;
        }
        double remaining = 1.0 - (double) (step - startStep) / (endStep - startStep);
        return target + (initial - target) * remaining * remaining * remaining;
    }

    /** Whether masks are recomputed after {@code step} steps: t0, t0 + dt, ..., t0 + n * dt. */
    public boolean isPruningStep(long step) {
        return step >= startStep && step <= endStep && (step - startStep) % every == 0;
    }
}
