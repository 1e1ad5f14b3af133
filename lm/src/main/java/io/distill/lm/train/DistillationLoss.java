package io.distill.lm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Training losses as pure functions of arrays (after torchtune's {@code kd_losses.py}): student logits (B, T, V),
 * hard targets (B, T) int64, a mask (B, T) fp32 with 1 for positions that count and 0 for padding, and optionally
 * the teacher's {@link SoftTargets}, and which {@link Divergence} the distillation term is (forward KL unless
 * told). Every loss is a mean over unmasked positions; when all positions are masked it is 0, not NaN.
 *
 * <p>Results are scalars owned by the manager of the logits (the caller's per-step scope).
 */
public final class DistillationLoss {

    private DistillationLoss() {}

    /**
     * The parts of {@link #mixed}, kept apart so each can be logged.
     *
     * @param total what to differentiate: {@code alpha * T^2 * kd + (1 - alpha) * ce}
     * @param kd the distillation term at temperature T, without the T^2 factor (the chosen divergence, or for
     *     sampled targets the forward KL's cross-entropy form)
     * @param ce the hard-label cross-entropy at temperature 1, in nats per token
     */
    public record Parts(NDArray total, NDArray kd, NDArray ce) {}

    /** Hard-label cross-entropy, nats per unmasked token. */
    public static NDArray crossEntropy(NDArray logits, NDArray targets, NDArray mask) {
        checkMask(targets, mask);
        return maskedMean(negLogLikelihood(logits.logSoftmax(-1), targets), mask);
    }

    /** The forward-KL distillation term alone at the teacher's temperature (no T^2 factor). */
    public static NDArray distillation(NDArray logits, SoftTargets teacher, NDArray mask) {
        return distillation(logits, teacher, mask, Divergence.FORWARD_KL);
    }

    /** The distillation term alone at the teacher's temperature (no T^2 factor), as {@code divergence}. */
    public static NDArray distillation(NDArray logits, SoftTargets teacher, NDArray mask, Divergence divergence) {
        checkMask(logits, mask);
        return maskedMean(teacher.lossPerPosition(studentLogProbs(logits, teacher.temperature()), divergence), mask);
    }

    /**
     * {@code alpha * T^2 * KD + (1 - alpha) * CE} (Hinton et al. 2015). The T^2 factor keeps the distillation
     * gradient's scale independent of T, since softening by T shrinks it by 1/T^2.
     *
     * <p>The student's log-softmax over the vocabulary is computed once when T = 1 and shared by both terms.
     */
    public static Parts mixed(NDArray logits, NDArray targets, NDArray mask, SoftTargets teacher, float alpha) {
        return mixed(logits, targets, mask, teacher, alpha, Divergence.FORWARD_KL);
    }

    /**
     * {@link #mixed(NDArray, NDArray, NDArray, SoftTargets, float)} with {@code divergence} as the distillation term.
     * The T^2 factor applies to every divergence: each is an f-divergence, which near q = p is a multiple of the
     * chi-square distance, so softening by T shrinks its gradient by the same 1/T^2.
     */
    public static Parts mixed(
            NDArray logits, NDArray targets, NDArray mask, SoftTargets teacher, float alpha, Divergence divergence) {
        if (!(alpha >= 0f && alpha <= 1f)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
        checkMask(targets, mask);
        float t = teacher.temperature();
        NDArray logProbs = logits.logSoftmax(-1); // (B, T, V)
        NDArray ce = maskedMean(negLogLikelihood(logProbs, targets), mask);
        NDArray studentT = t == 1f ? logProbs : studentLogProbs(logits, t); // (B, T, V) log q_T
        NDArray kd = maskedMean(teacher.lossPerPosition(studentT, divergence), mask);
        NDArray total = kd.mul(alpha * t * t).add(ce.mul(1f - alpha));
        return new Parts(total, kd, ce);
    }

    /** Cross-entropy only, for batches without a teacher signal; {@code kd} is 0. */
    public static Parts hardLabelsOnly(NDArray logits, NDArray targets, NDArray mask) {
        NDArray ce = crossEntropy(logits, targets, mask);
        return new Parts(ce, ce.zerosLike(), ce);
    }

    /**
     * Mean of {@code perPosition} (B, T) weighted by {@code mask} (B, T); 0 when the mask is all zeros. Masked
     * entries must be finite: 0 * NaN is NaN.
     */
    static NDArray maskedMean(NDArray perPosition, NDArray mask) {
        NDArray count = mask.sum().maximum(1f);
        return perPosition.mul(mask).sum().div(count);
    }

    /** -log q(target) per position: (B, T, V) log-probs and (B, T) ids to (B, T). */
    public static NDArray negLogLikelihood(NDArray logProbs, NDArray targets) {
        if (targets.getDataType() != DataType.INT64) {
            throw new IllegalArgumentException("targets must be int64, got " + targets.getDataType());
        }
        return logProbs.gather(targets.expandDims(-1), -1).squeeze(-1).neg();
    }

    /** log q_T = log_softmax(z / T), (B, T, V). */
    private static NDArray studentLogProbs(NDArray logits, float temperature) {
        return (temperature == 1f ? logits : logits.div(temperature)).logSoftmax(-1);
    }

    private static void checkMask(NDArray like, NDArray mask) {
        long b = like.getShape().get(0);
        long t = like.getShape().get(1);
        if (mask.getShape().dimension() != 2
                || mask.getShape().get(0) != b
                || mask.getShape().get(1) != t) {
            throw new IllegalArgumentException("mask must be (B, T) = (" + b + ", " + t + "), got " + mask.getShape());
        }
        if (mask.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException(
                    "mask must be float32 (1 = counts, 0 = ignored), got " + mask.getDataType());
        }
    }
}
