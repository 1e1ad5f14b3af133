package io.distill.lm.train;

import ai.djl.ndarray.NDArray;

/**
 * The teacher's signal for each position of a batch, in one of the wire codecs, at the temperature T it was made
 * at: the teacher distribution is p_T = softmax(z / T) and the student is compared at the same T, q_T.
 *
 * <p>The dense signal is here; the wire codecs' signals are in {@code io.distill.lm.codec} ({@code TopKTargets},
 * {@code SampledTargets}). Arrays are (B, T, ...) and line up with the student's logits (B, T, V). They carry no gradient: the teacher
 * is not trained. Masked positions may hold any finite values (padding).
 */
public interface SoftTargets {

    float temperature();

    /**
     * The distillation term for each position (B, T), given the student's log-probabilities at {@link
     * #temperature()} (B, T, V): the {@code divergence} between teacher and student, or an estimate of it. Not
     * masked and not scaled by T^2: {@link DistillationLoss} does both.
     *
     * @throws IllegalArgumentException when this signal cannot give that divergence (see {@link
     *     io.distill.lm.codec.Codec#checkLoss})
     */
    NDArray lossPerPosition(NDArray studentLogProbs, Divergence divergence);

    /** The forward-KL term for each position (B, T): {@link #lossPerPosition(NDArray, Divergence)} with forward KL. */
    default NDArray lossPerPosition(NDArray studentLogProbs) {
        return lossPerPosition(studentLogProbs, Divergence.FORWARD_KL);
    }

    /**
     * Full teacher logits z (B, T, V): every divergence exactly, and the reference the sparse codecs are tested
     * against.
     */
    record Dense(NDArray teacherLogits, float temperature) implements SoftTargets {
        public Dense {
            checkTemperature(temperature);
            checkRank(teacherLogits, 3, "teacher logits (B, T, V)");
        }

        @Override
        public NDArray lossPerPosition(NDArray studentLogProbs, Divergence divergence) {
            NDArray scaled = temperature == 1f ? teacherLogits : teacherLogits.div(temperature);
            NDArray lp = scaled.logSoftmax(-1); // (B, T, V) log p_T
            NDArray q =
                    divergence.linearInTeacher() ? null : studentLogProbs.exp(); // (B, T, V) q_T, unused by KL(p||q)
            return divergence.terms(lp.exp(), lp, q, studentLogProbs).sum(new int[] {-1}); // (B, T)
        }
    }

    /** The one temperature check: the teacher's encoder, the trainer's reader and every target call it. */
    static void checkTemperature(float temperature) {
        if (!(temperature > 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite, got " + temperature);
        }
    }

    private static void checkRank(NDArray array, int rank, String what) {
        if (array.getShape().dimension() != rank) {
            throw new IllegalArgumentException(what + " must have rank " + rank + ", got " + array.getShape());
        }
    }
}
