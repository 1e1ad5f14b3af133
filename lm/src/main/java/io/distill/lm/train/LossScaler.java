package io.distill.lm.train;

import io.distill.lm.model.Precision;

/**
 * Dynamic loss scaling for fp16 training, with the rules of PyTorch's {@code GradScaler}: the loss is multiplied
 * by the scale before backward so small gradients do not underflow in fp16; gradients are divided by it again
 * before clipping and the update. A step whose gradients hold inf or NaN is skipped and the scale halves; after
 * {@link #GROWTH_INTERVAL} clean steps in a row it doubles.
 */
public final class LossScaler {
    public static final float INITIAL_SCALE = 65536f; // 2^16
    public static final float GROWTH_FACTOR = 2f;
    public static final float BACKOFF_FACTOR = 0.5f;
    public static final int GROWTH_INTERVAL = 2000;

    private final boolean enabled;
    private float scale;
    private long cleanSteps;

    private LossScaler(boolean enabled, float scale, long cleanSteps) {
        this.enabled = enabled;
        this.scale = scale;
        this.cleanSteps = cleanSteps;
    }

    /** Scaling as GradScaler starts it. */
    public static LossScaler dynamic() {
        return new LossScaler(true, INITIAL_SCALE, 0);
    }

    /** No scaling (fp32, bf16): the scale stays 1 and non-finite steps are still skipped. */
    public static LossScaler disabled() {
        return new LossScaler(false, 1f, 0);
    }

    /** The scaler of a {@link Precision}. */
    public static LossScaler forPrecision(Precision precision) {
        return precision.needsLossScaling() ? dynamic() : disabled();
    }

    public float scale() {
        return scale;
    }

    /** Clean steps since the last change of scale. */
    public long cleanSteps() {
        return cleanSteps;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Records the outcome of a step: {@code finite} when every gradient was finite and the update applied. */
    public void update(boolean finite) {
        if (!enabled) {
            return;
        }
        if (!finite) {
            scale *= BACKOFF_FACTOR;
            cleanSteps = 0;
        } else if (++cleanSteps == GROWTH_INTERVAL) {
            scale *= GROWTH_FACTOR;
            cleanSteps = 0;
        }
    }

    /** Restores the state saved in a checkpoint. */
    public void restore(float savedScale, long savedCleanSteps) {
        if (!enabled) {
            return;
        }
        if (!(savedScale > 0f) || Float.isInfinite(savedScale) || savedCleanSteps < 0) {
            throw new IllegalArgumentException("invalid loss scaler state " + savedScale + ", " + savedCleanSteps);
        }
        scale = savedScale;
        cleanSteps = savedCleanSteps;
    }
}
