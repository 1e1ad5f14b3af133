package io.distill.lm.codec;

import ai.djl.ndarray.NDArray;
import io.distill.lm.train.Divergence;
import io.distill.lm.train.SoftTargets;

/**
 * Random-sampling KD ({@link Sampled}): per position, the distinct ids drawn, {@code ids} (B, T, m) int64, and their
 * weights, {@code weights} (B, T, m), each an unbiased estimate of the teacher's p_T(id). Unused slots weigh 0.
 *
 * <p>Loss per position: {@code -sum_j (w_j / sum_i w_i) log q_T(id_j)}, the cross-entropy against the weights
 * normalised per position: self-normalised importance sampling, as the paper and its public implementations do. The
 * normalisation makes the target a distribution (so the gradient's scale does not swing with the sum of weights of
 * a handful of draws) at the price of a bias of order 1/N (next to none for threshold draws, whose weights add up
 * to 1 but for their rounding); the weights themselves, what the wire carries, are unbiased. Chosen over the KL form
 * (mean of log p_T(id) - log q_T(id)) because the wire carries weights, not the
 * teacher's log-probabilities. The logged value is therefore a cross-entropy: it does not go to 0 when the student
 * matches the teacher (it tends to the teacher's entropy).
 *
 * <p>Only divergences linear in p can be estimated this way ({@link Divergence#linearInTeacher()}): reverse KL,
 * skew KL and the generalized JSD need p's value at each id, inside a log or as a weight of the student's terms, and
 * weights of draws are no substitute for it there (the plug-in estimate is biased). They are refused ({@link
 * Sampled#checkLoss}).
 */
public record SampledTargets(NDArray ids, NDArray weights, float temperature) implements SoftTargets {
    public SampledTargets {
        SoftTargets.checkTemperature(temperature);
        TargetShapes.checkIds(ids);
        TargetShapes.checkSameShape(ids, weights, "sampled ids and weights");
    }

    @Override
    public NDArray lossPerPosition(NDArray studentLogProbs, Divergence divergence) {
        Sampled.requireLinear(divergence);
        NDArray lq = studentLogProbs.gather(ids, -1); // (B, T, m)
        // (B, T, 1) the position's total weight; the floor keeps all-zero padding finite (0 / floor = 0)
        NDArray total = weights.sum(new int[] {-1}, true).maximum(Float.MIN_NORMAL);
        return weights.div(total).mul(lq).sum(new int[] {-1}).neg(); // (B, T)
    }
}
