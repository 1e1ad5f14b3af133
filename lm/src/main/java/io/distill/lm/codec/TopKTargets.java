package io.distill.lm.codec;

import ai.djl.ndarray.NDArray;
import io.distill.lm.train.Divergence;
import io.distill.lm.train.SoftTargets;

/**
 * The teacher's k most likely tokens: {@code ids} (B, T, k) int64 and {@code logProbs} (B, T, k), the teacher's
 * true log-probabilities log p_T(id), normalised over the whole vocabulary. Everything else is one tail bucket:
 *
 * <pre>
 * KL = sum_i p_i (log p_i - log q_i) + p_tail (log p_tail - log q_tail),
 * p_tail = 1 - sum_i p_i (teacher mass outside the top-k), q_tail = 1 - sum_i q_i (student mass outside it)
 * </pre>
 *
 * This is the exact KL between the two distributions coarsened to k + 1 outcomes; with k = V it is the dense KL.
 * Every {@link Divergence} is computed the same way, as its terms summed over the k ids and the tail bucket: the
 * exact divergence of the coarsened distributions. All of them are f-divergences, so coarsening can only lower
 * them (0 <= top-k <= dense).
 */
public record TopKTargets(NDArray ids, NDArray logProbs, float temperature) implements SoftTargets {

    /** Below this, a tail mass is treated as this small: keeps log finite when a top-k covers (almost) all mass. */
    static final float TAIL_FLOOR = 1e-6f;

    /** The log-probability of a padding slot: finite, and exp() of it is 0 in fp32. */
    public static final float PAD_LOG_PROB = -1e4f;

    public TopKTargets {
        SoftTargets.checkTemperature(temperature);
        TargetShapes.checkIds(ids);
        TargetShapes.checkSameShape(ids, logProbs, "top-k ids and log-probs");
    }

    /**
     * From the teacher's raw logits z at its top-k ids (B, T, k) and its log-sum-exp over the whole vocabulary at
     * T, {@code log sum_v exp(z_v / T)} (B, T): log p_T(id) = z_id / T - lse.
     */
    public static TopKTargets fromLogits(NDArray ids, NDArray topLogits, NDArray logSumExp, float temperature) {
        SoftTargets.checkTemperature(temperature);
        NDArray logProbs = topLogits.div(temperature).sub(logSumExp.expandDims(-1)); // (B, T, k)
        return new TopKTargets(ids, logProbs, temperature);
    }

    @Override
    public NDArray lossPerPosition(NDArray studentLogProbs, Divergence divergence) {
        NDArray lq = studentLogProbs.gather(ids, -1); // (B, T, k) log q_T at the teacher's top-k
        NDArray q = lq.exp(); // (B, T, k)
        NDArray p = logProbs.exp(); // (B, T, k)
        NDArray head = divergence.terms(p, logProbs, q, lq).sum(new int[] {-1}); // (B, T)
        NDArray pTail = p.sum(new int[] {-1}).neg().add(1f).clip(0f, 1f); // (B, T)
        NDArray qTail = q.sum(new int[] {-1}).neg().add(1f).clip(TAIL_FLOOR, 1f); // (B, T)
        // p_tail log p_tail is 0 at p_tail = 0; the floor only keeps the log finite there (and, for the divergences
        // that weigh log p_tail by q_tail, bounds log(q_tail / p_tail) when the top-k holds nearly all the mass).
        NDArray tail = divergence.terms(pTail, pTail.maximum(TAIL_FLOOR).log(), qTail, qTail.log()); // (B, T)
        return head.add(tail);
    }
}
