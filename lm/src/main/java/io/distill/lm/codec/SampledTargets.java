package io.distill.lm.codec;

import ai.djl.ndarray.NDArray;
import io.distill.lm.train.Divergence;
import io.distill.lm.train.SoftTargets;

/**
 * Random-sampling KD: N draws per position from p_T, as distinct {@code ids} (B, T, m) int64 and how often each was
 * drawn, {@code counts} (B, T, m); only ratios matter, so frequencies count/N do as well. Unused slots count 0.
 *
 * <p>Loss per position: {@code -sum_j (count_j / N) log q_T(id_j)}, the cross-entropy form. count/N is an unbiased
 * estimate of p_T, so this is an unbiased estimate of the cross-entropy H(p_T, q_T) = KL(p_T || q_T) + H(p_T).
 * H(p_T) does not depend on the student, so the gradient is an unbiased estimate of the KL's gradient. Chosen over
 * the KL form (mean of log p_T(id) - log q_T(id)) because the wire carries ids and counts only, not the teacher's
 * log-probabilities. The logged value is therefore a cross-entropy: it does not go to 0 when the student matches
 * the teacher (it goes to the teacher's entropy).
 *
 * <p>Only divergences linear in p can be estimated this way ({@link Divergence#linearInTeacher()}): reverse KL,
 * skew KL and the generalized JSD need p's value at each id, inside a log or as a weight of the student's terms, and
 * counts are no substitute for it there (the plug-in estimate is biased). They are refused ({@link
 * Sampled#checkLoss}).
 */
public record SampledTargets(NDArray ids, NDArray counts, float temperature) implements SoftTargets {
    public SampledTargets {
        SoftTargets.checkTemperature(temperature);
        TargetShapes.checkIds(ids);
        TargetShapes.checkSameShape(ids, counts, "sampled ids and counts");
    }

    @Override
    public NDArray lossPerPosition(NDArray studentLogProbs, Divergence divergence) {
        Sampled.requireLinear(divergence);
        NDArray lq = studentLogProbs.gather(ids, -1); // (B, T, m)
        // (B, T, 1) N; the floor keeps all-zero padding finite (0 / floor = 0)
        NDArray draws = counts.sum(new int[] {-1}, true).maximum(Float.MIN_NORMAL);
        return counts.div(draws).mul(lq).sum(new int[] {-1}).neg(); // (B, T)
    }
}
