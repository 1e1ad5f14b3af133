package io.distill.schemas;

/**
 * The teacher's signal for each position of a window, unpacked: candidate token ids and their teacher weights.
 *
 * <p>TOPK: {@code ids[t]} are the K most likely tokens at temperature T, {@code logProbs[t]} their exact
 * log-probabilities, {@code weights[t]} = exp(logProbs), and the tail mass is {@code 1 - sum(weights[t])}.
 *
 * <p>SAMPLED: {@code ids[t]} are the distinct tokens drawn, {@code weights[t]} = count / N, an unbiased estimate of
 * the teacher distribution; {@code logProbs} is null.
 */
public record DecodedSoftLabels(CodecKind kind, int[][] ids, float[][] weights, float[][] logProbs) {

    public int positions() {
        return ids.length;
    }

    /** The teacher probability mass outside {@code ids[t]}: exact for TOPK, zero for SAMPLED. */
    public float tailMass(int t) {
        if (kind == CodecKind.SAMPLED) {
            return 0f;
        }
        double sum = 0;
        for (float w : weights[t]) {
            sum += w;
        }
        return (float) Math.max(0.0, 1.0 - sum);
    }
}
