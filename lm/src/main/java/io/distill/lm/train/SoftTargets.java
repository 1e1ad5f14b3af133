package io.distill.lm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The teacher's signal for each position of a batch, in one of the wire codecs, at the temperature T it was made
 * at: the teacher distribution is p_T = softmax(z / T) and the student is compared at the same T, q_T.
 *
 * <p>Arrays are (B, T, ...) and line up with the student's logits (B, T, V). They carry no gradient: the teacher
 * is not trained. Masked positions may hold any finite values (padding).
 */
public sealed interface SoftTargets permits SoftTargets.Dense, SoftTargets.TopK, SoftTargets.Sampled {

    /** Below this, a tail mass is treated as this small: keeps log finite when a top-k covers (almost) all mass. */
    float TAIL_FLOOR = 1e-6f;

    float temperature();

    /**
     * The distillation term for each position (B, T), given the student's log-probabilities at {@link
     * #temperature()} (B, T, V). Not masked and not scaled by T^2: {@link DistillationLoss} does both.
     */
    NDArray lossPerPosition(NDArray studentLogProbs);

    /** Full teacher logits z (B, T, V): the exact KL(p_T || q_T), and the reference the sparse codecs are tested against. */
    record Dense(NDArray teacherLogits, float temperature) implements SoftTargets {
        public Dense {
            checkTemperature(temperature);
            checkRank(teacherLogits, 3, "teacher logits (B, T, V)");
        }

        @Override
        public NDArray lossPerPosition(NDArray studentLogProbs) {
            NDArray scaled = temperature == 1f ? teacherLogits : teacherLogits.div(temperature);
            NDArray lp = scaled.logSoftmax(-1); // (B, T, V) log p_T
            return lp.exp().mul(lp.sub(studentLogProbs)).sum(new int[] {-1}); // (B, T)
        }
    }

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
     */
    record TopK(NDArray ids, NDArray logProbs, float temperature) implements SoftTargets {
        public TopK {
            checkTemperature(temperature);
            checkIds(ids);
            checkSameShape(ids, logProbs, "top-k ids and log-probs");
        }

        /**
         * From the teacher's raw logits z at its top-k ids (B, T, k) and its log-sum-exp over the whole vocabulary
         * at T, {@code log sum_v exp(z_v / T)} (B, T): log p_T(id) = z_id / T - lse.
         */
        public static TopK fromLogits(NDArray ids, NDArray topLogits, NDArray logSumExp, float temperature) {
            checkTemperature(temperature);
            NDArray logProbs = topLogits.div(temperature).sub(logSumExp.expandDims(-1)); // (B, T, k)
            return new TopK(ids, logProbs, temperature);
        }

        @Override
        public NDArray lossPerPosition(NDArray studentLogProbs) {
            NDArray lq = studentLogProbs.gather(ids, -1); // (B, T, k) log q_T at the teacher's top-k
            NDArray p = logProbs.exp(); // (B, T, k)
            NDArray head = p.mul(logProbs.sub(lq)).sum(new int[] {-1}); // (B, T)
            NDArray pTail = p.sum(new int[] {-1}).neg().add(1f).clip(0f, 1f); // (B, T)
            NDArray qTail = lq.exp().sum(new int[] {-1}).neg().add(1f).clip(TAIL_FLOOR, 1f); // (B, T)
            // p_tail log p_tail is 0 at p_tail = 0; the floor only keeps the log finite there.
            NDArray tail = pTail.mul(pTail.maximum(TAIL_FLOOR).log().sub(qTail.log())); // (B, T)
            return head.add(tail);
        }
    }

    /**
     * Random-sampling KD: N draws per position from p_T, as distinct {@code ids} (B, T, m) int64 and how often each
     * was drawn, {@code counts} (B, T, m); only ratios matter, so frequencies count/N do as well. Unused slots count
     * 0.
     *
     * <p>Loss per position: {@code -sum_j (count_j / N) log q_T(id_j)}, the cross-entropy form. count/N is an
     * unbiased estimate of p_T, so this is an unbiased estimate of the cross-entropy H(p_T, q_T) = KL(p_T || q_T) +
     * H(p_T). H(p_T) does not depend on the student, so the gradient is an unbiased estimate of the KL's gradient.
     * Chosen over the KL form (mean of log p_T(id) - log q_T(id)) because the wire carries ids and counts only, not
     * the teacher's log-probabilities. The logged value is therefore a cross-entropy: it does not go to 0 when the
     * student matches the teacher (it goes to the teacher's entropy).
     */
    record Sampled(NDArray ids, NDArray counts, float temperature) implements SoftTargets {
        public Sampled {
            checkTemperature(temperature);
            checkIds(ids);
            checkSameShape(ids, counts, "sampled ids and counts");
        }

        @Override
        public NDArray lossPerPosition(NDArray studentLogProbs) {
            NDArray lq = studentLogProbs.gather(ids, -1); // (B, T, m)
            // (B, T, 1) N; the floor keeps all-zero padding finite (0 / floor = 0)
            NDArray draws = counts.sum(new int[] {-1}, true).maximum(Float.MIN_NORMAL);
            return counts.div(draws).mul(lq).sum(new int[] {-1}).neg(); // (B, T)
        }
    }

    private static void checkTemperature(float temperature) {
        if (!(temperature > 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite, got " + temperature);
        }
    }

    private static void checkRank(NDArray array, int rank, String what) {
        if (array.getShape().dimension() != rank) {
            throw new IllegalArgumentException(what + " must have rank " + rank + ", got " + array.getShape());
        }
    }

    private static void checkIds(NDArray ids) {
        checkRank(ids, 3, "ids (B, T, k)");
        if (ids.getDataType() != DataType.INT64) {
            throw new IllegalArgumentException("ids must be int64, got " + ids.getDataType());
        }
    }

    private static void checkSameShape(NDArray a, NDArray b, String what) {
        Shape sa = a.getShape();
        if (!sa.equals(b.getShape())) {
            throw new IllegalArgumentException(what + " differ in shape: " + sa + " vs " + b.getShape());
        }
    }
}
