package io.distill.lm.codec;

import java.util.Arrays;

/**
 * The teacher's signal for each position of a window, decoded and checked by its {@link Codec}: candidate token ids
 * (ascending) and their teacher weights.
 *
 * @param ids per position, the candidate ids: the top K (top-k) or the distinct ids drawn (sampled)
 * @param weights per position, the teacher probability of each id at T (top-k), or an unbiased estimate of it
 *     (sampled: each id's weight, whose expectation is p_T; not normalised per position)
 * @param logProbs per position, ln of the top-k weights, normalised over the whole vocabulary; null for sampled
 * @param tailMass per position, the teacher mass outside {@code ids[t]}: known for top-k, 0 for sampled
 * @param top per position, the index into {@code ids[t]} of the teacher's most likely id: the largest weight
 *     (top-k), the most drawn (sampled; an importance weight is no ranking, a rare id's ratio can make it the largest)
 */
public record WindowLabels(int[][] ids, float[][] weights, float[][] logProbs, float[] tailMass, int[] top) {

    /** Labels whose most likely id is the one of largest weight; ids are ascending, so ties go to the lower id. */
    public static WindowLabels byWeight(int[][] ids, float[][] weights, float[][] logProbs, float[] tailMass) {
        int[] top = new int[ids.length];
        for (int t = 0; t < ids.length; t++) {
            for (int j = 1; j < weights[t].length; j++) {
                top[t] = weights[t][j] > weights[t][top[t]] ? j : top[t];
            }
        }
        return new WindowLabels(ids, weights, logProbs, tailMass, top);
    }

    public int positions() {
        return ids.length;
    }

    public float tailMass(int t) {
        return tailMass[t];
    }

    /** The teacher's most likely id at position {@code t}. */
    public int mostLikely(int t) {
        return ids[t][top[t]];
    }

    /** Positions {@code [from, to)}. */
    public WindowLabels slice(int from, int to) {
        return new WindowLabels(
                Arrays.copyOfRange(ids, from, to),
                Arrays.copyOfRange(weights, from, to),
                logProbs == null ? null : Arrays.copyOfRange(logProbs, from, to),
                Arrays.copyOfRange(tailMass, from, to),
                Arrays.copyOfRange(top, from, to));
    }
}
