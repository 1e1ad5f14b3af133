package io.distill.lm.codec;

import java.util.Arrays;

/**
 * The teacher's signal for each position of a window, decoded and checked by its {@link Codec}: candidate token ids
 * (ascending) and their teacher weights.
 *
 * @param ids per position, the candidate ids: the top K (top-k) or the distinct ids drawn (sampled)
 * @param weights per position, the teacher probability of each id at T (top-k), or count / N, an unbiased estimate
 *     of it (sampled)
 * @param logProbs per position, ln of the top-k weights, normalised over the whole vocabulary; null for sampled
 * @param tailMass per position, the teacher mass outside {@code ids[t]}: known for top-k, 0 for sampled
 */
public record WindowLabels(int[][] ids, float[][] weights, float[][] logProbs, float[] tailMass) {

    public int positions() {
        return ids.length;
    }

    public float tailMass(int t) {
        return tailMass[t];
    }

    /** The teacher's most likely id at position {@code t}; ids are ascending, so ties go to the lower id. */
    public int mostLikely(int t) {
        int best = 0;
        for (int j = 1; j < weights[t].length; j++) {
            if (weights[t][j] > weights[t][best]) {
                best = j;
            }
        }
        return ids[t][best];
    }

    /** Positions {@code [from, to)}. */
    public WindowLabels slice(int from, int to) {
        return new WindowLabels(
                Arrays.copyOfRange(ids, from, to),
                Arrays.copyOfRange(weights, from, to),
                logProbs == null ? null : Arrays.copyOfRange(logProbs, from, to),
                Arrays.copyOfRange(tailMass, from, to));
    }
}
