package io.distill.lm.codec;

import java.util.SplittableRandom;

/**
 * The bytes of a {@code sampled:N} payload in layout 3, what the teacher writes ({@link ThresholdDraws}): per
 * position the ids kept with their own probability, and the ids drawn, which all carry the same weight.
 *
 * <pre>
 * u8         layout = 3
 * id section per position the number D of ids (D <= N), then the ids ascending ({@link IdSection})
 * per position:
 *   u8         h, the number of kept ids (h <= D)
 *   h x u8     the index of each kept id among the position's D ids, strictly ascending
 *   h x u8     s, in the same order: the kept id's probability is exp(-s / 16)
 *   unless h = D:
 *     u8       s, the weight of each of the other D - h ids is exp(-s / 16)
 * </pre>
 *
 * Every weight is rounded to its 1/16-nat grid at random, up with the probability that keeps its expectation exact
 * ({@link SampledWeightsLayout#unbiasedSteps}); weights below exp(-255 / 16), 1.2e-7, are read as that. The drawn
 * ids' weight travels although the kept ones imply it (the weights add up to 1): derived, it would carry the
 * rounding noise of all kept weights, as large as the whole tail's mass when the kept ids hold 95% of it.
 */
final class SampledSharesLayout {
    static final int LAYOUT = 3;

    private SampledSharesLayout() {}

    static byte[] pack(ThresholdDraws.Position[] positions, SplittableRandom random) {
        int[][] sortedIds = new int[positions.length][];
        ByteSink values = new ByteSink(positions.length * 4);
        for (int t = 0; t < positions.length; t++) {
            ThresholdDraws.Position position = positions[t];
            int[] order = Ascending.order(position.ids());
            sortedIds[t] = Ascending.apply(position.ids(), order);
            int kept = position.kept();
            values.write(kept);
            // order[j] is where the j-th smallest id came from; the kept ones came from 0..kept-1
            int[] steps = new int[kept];
            for (int j = 0; j < order.length; j++) {
                if (order[j] < kept) {
                    values.write(j);
                    int k = order[j];
                    steps[k] = SampledWeightsLayout.unbiasedSteps(position.lnKept()[k], random);
                }
            }
            for (int j = 0; j < order.length; j++) {
                if (order[j] < kept) {
                    values.write(stepsBelowOne(steps[order[j]]));
                }
            }
            if (kept < order.length) {
                values.write(stepsBelowOne(SampledWeightsLayout.unbiasedSteps(position.lnDrawn(), random)));
            }
        }
        return IdSection.payload(LAYOUT, sortedIds, true, values);
    }

    /** A weight of at most 1 as the u8 s of exp(-s / 16). */
    private static int stepsBelowOne(int steps) {
        return (int) Math.min(255, Math.max(0, -(long) steps));
    }

    /** Reads what {@link #pack} wrote; the reader is past the layout byte. */
    static WindowLabels unpack(PayloadReader in, int positions, int n, int vocab) {
        int[][] ids = IdSection.read(in, positions, 0, n, vocab);
        in.requireAtLeast(positions, 1, "kept counts of " + positions + " positions");
        float[][] weights = new float[positions][];
        for (int t = 0; t < positions; t++) {
            int distinct = ids[t].length;
            int kept = in.u8();
            if (kept > distinct) {
                throw InvalidPayloadException.malformed(kept + " kept ids of " + distinct + " at position " + t);
            }
            in.requireAtLeast(2L * kept, 1, "kept ids at position " + t);
            int[] index = new int[kept];
            for (int k = 0; k < kept; k++) {
                index[k] = in.u8();
                if (index[k] >= distinct || (k > 0 && index[k] <= index[k - 1])) {
                    throw InvalidPayloadException.malformed("kept id number " + index[k] + " of " + distinct
                            + " at position " + t + ": indices must ascend below the count");
                }
            }
            weights[t] = new float[distinct];
            for (int k = 0; k < kept; k++) {
                weights[t][index[k]] = weightOf(in.u8());
            }
            if (kept < distinct) {
                float drawn = weightOf(in.u8());
                for (int j = 0, k = 0; j < distinct; j++) {
                    if (k < kept && index[k] == j) {
                        k++;
                    } else {
                        weights[t][j] = drawn;
                    }
                }
            }
        }
        in.requireEnd(positions);
        return WindowLabels.byWeight(ids, weights, null, new float[positions]);
    }

    private static float weightOf(int stepsBelowOne) {
        return (float) Math.exp(-stepsBelowOne * SampledWeightsLayout.STEP);
    }
}
