package io.distill.lm.codec;

import java.util.SplittableRandom;

/**
 * The bytes of a {@code sampled:N} payload, layout 2: the distinct ids drawn and each one's importance weight, the
 * draw count times the importance ratio ({@link Sampled}).
 *
 * <pre>
 * u8            layout = 2
 * id section    per position the number D of distinct ids drawn, then the ids ascending ({@link IdSection})
 * per position:
 *   zigzag LEB128  m: the largest weight of the position is exp(m / 16)
 *   unless D = 1:
 *     u8           the index (0..D-1, in ascending id order) of the id drawn most often, ties to the lower id:
 *                  the teacher's most likely id as far as the draws tell (top-1 agreement is measured against it)
 *     D x u8       s_j, the weight of id j is exp((m - s_j) / 16), in ascending id order; at least one s_j is 0
 * </pre>
 *
 * A log-weight is rounded to its 1/16-nat grid at random, up with the probability that keeps exp(grid value) equal
 * to the weight on average ({@link #unbiasedSteps}), so quantizing adds noise but no bias. Weights more than 255 steps
 * (15.9 nats) below the position's largest are read as that far below.
 */
final class SampledWeightsLayout {
    static final int LAYOUT = 2;

    /** Nats per step of a log-weight. */
    static final double STEP = 1.0 / 16;

    /** |m| at most this many steps (64 nats): a weight stays far inside float range, however crafted. */
    static final int MAX_EXPONENT = 64 * 16;

    private SampledWeightsLayout() {}

    /**
     * @param ids per position, the distinct ids drawn (any order)
     * @param counts per position, how often each was drawn
     * @param lnWeights per position, ln of each id's weight (finite)
     * @param random rounds the log-weights to their grid
     */
    static byte[] pack(int[][] ids, int[][] counts, double[][] lnWeights, SplittableRandom random) {
        int positions = ids.length;
        int[][] sortedIds = new int[positions][];
        ByteSink values = new ByteSink(ids.length * 4);
        for (int t = 0; t < positions; t++) {
            int[] order = Ascending.order(ids[t]);
            sortedIds[t] = Ascending.apply(ids[t], order);
            int[] steps = new int[order.length];
            int m = Integer.MIN_VALUE;
            for (int j = 0; j < order.length; j++) {
                steps[j] = unbiasedSteps(lnWeights[t][order[j]], random);
                m = Math.max(m, steps[j]);
            }
            // Beyond +-64 nats only a crafted or broken teacher gets here; clamped so the record stays readable.
            int exponent = Math.max(-MAX_EXPONENT, Math.min(MAX_EXPONENT, m));
            Varint.writeSigned(values, exponent);
            if (order.length > 1) {
                int mostDrawn = 0;
                for (int j = 1; j < order.length; j++) {
                    mostDrawn = counts[t][order[j]] > counts[t][order[mostDrawn]] ? j : mostDrawn;
                }
                values.write(mostDrawn);
                for (int step : steps) {
                    values.write((int) Math.min(255, (long) m - step));
                }
            }
        }
        return IdSection.payload(LAYOUT, sortedIds, true, values);
    }

    /**
     * {@code lnWeight} in whole steps, rounded down or up at random so that {@code E[exp(steps * STEP)]} is exactly
     * {@code exp(lnWeight)}: up with probability {@code (exp(f * STEP) - 1) / (exp(STEP) - 1)}, f the fraction.
     */
    static int unbiasedSteps(double lnWeight, SplittableRandom random) {
        if (!Double.isFinite(lnWeight)) {
            throw new IllegalArgumentException("a log-weight must be finite, got " + lnWeight);
        }
        double x = Math.max(-2.0 * MAX_EXPONENT, Math.min(2.0 * MAX_EXPONENT, lnWeight / STEP));
        double floor = Math.floor(x);
        double up = Math.expm1((x - floor) * STEP) / Math.expm1(STEP);
        return (int) floor + (random.nextDouble() < up ? 1 : 0);
    }

    /** Reads what {@link #pack} wrote; the reader is past the layout byte. */
    static WindowLabels unpack(PayloadReader in, int positions, int n, int vocab) {
        int[][] ids = IdSection.read(in, positions, 0, n, vocab);
        in.requireAtLeast(positions, 1, "weights of " + positions + " positions");
        float[][] weights = new float[positions][];
        int[] top = new int[positions];
        for (int t = 0; t < positions; t++) {
            int m = in.signedVarint();
            if (Math.abs(m) > MAX_EXPONENT) {
                throw InvalidPayloadException.malformed(
                        "a weight of exp(" + m + "/16) at position " + t + ", beyond exp(+-64)");
            }
            int distinct = ids[t].length;
            weights[t] = new float[distinct];
            if (distinct == 1) {
                weights[t][0] = (float) Math.exp(m * STEP);
                continue;
            }
            top[t] = in.u8();
            if (top[t] >= distinct) {
                throw InvalidPayloadException.malformed(
                        "the most drawn id is number " + top[t] + " of " + distinct + " at position " + t);
            }
            in.requireAtLeast(distinct, 1, "weights at position " + t);
            boolean largest = false;
            for (int j = 0; j < distinct; j++) {
                int s = in.u8();
                largest |= s == 0;
                weights[t][j] = (float) Math.exp((m - s) * STEP);
            }
            if (!largest) {
                throw InvalidPayloadException.malformed("no weight at step 0 (the largest) at position " + t);
            }
        }
        in.requireEnd(positions);
        return new WindowLabels(ids, weights, null, new float[positions], top);
    }
}
