package io.distill.lm.codec;

/**
 * The bytes of a {@code sampled:N} payload in layout 1, which teachers wrote before layout 2 ({@link
 * SampledWeightsLayout}); still read, so a student can train on records already on a topic. Draws were taken from the
 * teacher distribution at T itself, so count / N estimates it without importance ratios.
 *
 * <pre>
 * u8         layout = 1
 * id section per position the number D of distinct ids drawn, then the ids ascending ({@link IdSection})
 * per position, unless D = 1 (the count is N) or D = N (every count is 1):
 *   D x u8   the draw counts in ascending id order; they add up to N
 * </pre>
 */
final class SampledCountsLayout {
    static final int LAYOUT = 1;

    private SampledCountsLayout() {}

    /** One distinct id was drawn N times, or N distinct ids once each: the counts go without saying. */
    static boolean countsWritten(int distinct, int n) {
        return distinct > 1 && distinct < n;
    }

    /** Reads a layout 1 payload; the reader is past the layout byte. */
    static WindowLabels unpack(PayloadReader in, int positions, int n, int vocab) {
        int[][] ids = IdSection.read(in, positions, 0, n, vocab);
        float[][] weights = new float[positions][];
        for (int t = 0; t < positions; t++) {
            int distinct = ids[t].length;
            weights[t] = new float[distinct];
            int total = 0;
            boolean written = countsWritten(distinct, n);
            for (int j = 0; j < distinct; j++) {
                int count = written ? in.u8() : n / distinct;
                if (count < 1) {
                    throw InvalidPayloadException.malformed("a draw count of 0 at position " + t);
                }
                total += count;
                weights[t][j] = count / (float) n;
            }
            if (total != n) {
                throw InvalidPayloadException.malformed(
                        "draw counts add up to " + total + ", not " + n + ", at position " + t);
            }
        }
        in.requireEnd(positions);
        return WindowLabels.byWeight(ids, weights, null, new float[positions]);
    }
}
