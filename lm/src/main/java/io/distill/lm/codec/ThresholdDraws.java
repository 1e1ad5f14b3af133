package io.distill.lm.codec;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * N distinct ids of one position, drawn by threshold sampling (systematic sampling with probabilities proportional
 * to size, without replacement): the ids whose probability reaches a threshold tau are kept with their exact
 * probability, and the rest are drawn systematically with inclusion probability {@code p / tau} and weight tau
 * (Horvitz-Thompson), tau chosen so that N ids come out (fewer when the rest is nearly nothing, {@link
 * #MIN_DRAWN_WEIGHT}). Every weight's expectation is the id's probability, as with N draws with replacement, but the
 * likely ids carry no count noise and no draw is spent on an id already drawn, so the rest of the distribution is
 * covered by more ids: at T = 2 and 12 draws, 12 distinct ids instead of about 11, and each drawn id stands for less
 * than 1 / N of the mass.
 *
 * <p>The weights add up to the position's total probability (1): the kept ids' probabilities plus tau for each of
 * the N - h drawn ids, {@code tau * (N - h)} being the mass outside the kept ids ({@link SampledSharesLayout}); under
 * the floor, on average.
 *
 * <p>Not thread-safe: holds scratch arrays sized by N and the vocabulary, reused across positions.
 */
final class ThresholdDraws {
    /**
     * @param ids the kept ids first, most likely first, then the drawn ids ascending
     * @param kept how many of {@code ids} are kept with their own weight
     * @param lnKept ln p of each kept id
     * @param lnDrawn ln tau, the weight of each drawn id; unused when every id is kept
     */
    record Position(int[] ids, int kept, double[] lnKept, double lnDrawn) {}

    /**
     * The least weight a drawn id carries. A confident position (p = 0.9999 on one id) would otherwise spend N - 1
     * ids, about 2 bytes each at 128k vocabularies, on 1e-4 of mass; with the floor it draws 0.1 ids on average. At
     * T = 2 a drawn id weighs 0.01-0.05, far above it, so the floor changes nothing there.
     */
    static final double MIN_DRAWN_WEIGHT = 1e-3;

    private final int n;
    private final int[] top;
    private final boolean[] isKept;

    ThresholdDraws(int n, int vocab) {
        this.n = n;
        this.top = new int[Math.min(n, vocab)];
        this.isKept = new boolean[vocab];
    }

    /** The draws of the distribution {@code p[base, base + vocab)}, which is finite and sums to about 1. */
    Position draw(float[] p, int base, SplittableRandom random) {
        int vocab = isKept.length;
        double total = largest(p, base, vocab);
        int candidates = Math.min(top.length, vocab);
        // keep the likeliest id while it reaches the threshold the rest would get: tau = (mass left) / (draws left),
        // or the floor; ids below it are drawn
        int kept = 0;
        double rest = total;
        while (kept < candidates && p[base + top[kept]] >= Math.max(rest / (n - kept), MIN_DRAWN_WEIGHT)) {
            rest -= p[base + top[kept]];
            isKept[top[kept]] = true;
            kept++;
        }
        int[] ids = Arrays.copyOf(top, n);
        double[] lnKept = new double[kept];
        for (int k = 0; k < kept; k++) {
            lnKept[k] = Math.log(p[base + top[k]]);
        }
        int size = kept;
        int draws = n - kept;
        double tau = 0;
        // below this share of the total, what is left is rounding error of the kept ids' sum, not mass
        if (draws > 0 && rest > total * 1e-9) {
            // every id left is below tau, so no point falls twice on one id; the floor draws fewer ids (rest / tau
            // on average, unbiased still) when they would carry almost nothing
            tau = Math.max(rest / draws, MIN_DRAWN_WEIGHT);
            double point = random.nextDouble();
            double cumulative = 0;
            for (int id = 0; id < vocab && size < n; id++) {
                if (isKept[id]) {
                    continue;
                }
                cumulative += p[base + id] / tau;
                if (point < cumulative) {
                    ids[size++] = id;
                    point += Math.floor(cumulative - point) + 1;
                }
            }
        }
        for (int k = 0; k < kept; k++) {
            isKept[top[k]] = false;
        }
        return new Position(Arrays.copyOf(ids, size), kept, lnKept, Math.log(tau));
    }

    /**
     * Fills {@link #top} with the ids of the largest probabilities, largest first, and returns the total probability:
     * one pass over the vocabulary for both, since at 128k ids the passes are the encoder's cost.
     */
    private double largest(float[] p, int base, int vocab) {
        int filled = 0;
        double total = 0;
        for (int id = 0; id < vocab; id++) {
            float x = p[base + id];
            total += x;
            if (filled == top.length && !(x > p[base + top[filled - 1]])) {
                continue;
            }
            int k = filled < top.length ? filled++ : filled - 1;
            while (k > 0 && p[base + top[k - 1]] < x) {
                top[k] = top[k - 1];
                k--;
            }
            top[k] = id;
        }
        return total;
    }
}
