package io.distill.lm.bytes;

import java.util.Optional;

/**
 * A teacher as the projection sees it after one forward pass over the text's own tokenization: the next-token
 * distribution after every prefix of those ids, and nothing else.
 *
 * <p>This is the approximation the teacher service makes (docs/byte-bridge.md): a cover whose context is not a prefix
 * of the text's tokenization, e.g. "hel" + "lo" where the text was tokenized as "hello", has no forward pass and is
 * dropped when its token completes, its next token then guessed ({@link DroppedCoverGuess}). Covers whose last token
 * runs past the text's token boundaries are kept: they need only the context they started from.
 */
public final class CanonicalPath implements TokenModel {
    private final int[] ids;
    private final float[][] logProbs;

    /**
     * @param ids the text's tokens, BOS first when the model was trained so
     * @param logProbs {@code logProbs[j]}: log p(· | ids[0..j]), one row per token (from one forward pass)
     */
    public CanonicalPath(int[] ids, float[][] logProbs) {
        if (logProbs.length != ids.length) {
            throw new IllegalArgumentException(
                    logProbs.length + " rows of log-probabilities for " + ids.length + " tokens");
        }
        this.ids = ids;
        this.logProbs = logProbs;
    }

    @Override
    public Optional<double[]> next(int[] context) {
        int n = context.length;
        if (n < 1 || n > ids.length) {
            return Optional.empty();
        }
        for (int k = n - 1; k >= 0; k--) { // covers differ from the path in their last tokens: compare those first
            if (context[k] != ids[k]) {
                return Optional.empty();
            }
        }
        float[] row = logProbs[n - 1];
        double[] p = new double[row.length];
        for (int v = 0; v < row.length; v++) {
            p[v] = Math.exp(row[v]); // in double: a float softmax would flush very unlikely tokens to 0
        }
        return Optional.of(p);
    }
}
