package io.distill.lm.codec;

/**
 * The bytes of a {@code sampled:N} payload in layout 1: draws from the teacher distribution at T itself, so count / N
 * estimates it without importance ratios. What the teacher writes when it draws at T ({@link
 * Sampled#proposalTemperature}); draws from another proposal need their weights ({@link SampledWeightsLayout}).
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

    /**
     * @param ids per position, the distinct ids drawn (any order)
     * @param counts per position, how often each was drawn; they add up to {@code n}
     */
    static byte[] pack(int[][] ids, int[][] counts, int n) {
        int[][] sortedIds = new int[ids.length][];
        ByteSink values = new ByteSink(ids.length * 4);
        for (int t = 0; t < ids.length; t++) {
            int[] order = Ascending.order(ids[t]);
            sortedIds[t] = Ascending.apply(ids[t], order);
            int total = 0;
            for (int j : order) {
                total += counts[t][j];
                if (counts[t][j] < 1) {
                    throw new IllegalArgumentException("a draw count must be at least 1, got " + counts[t][j]);
                }
                if (countsWritten(order.length, n)) {
                    values.write(counts[t][j]);
                }
            }
            if (total != n) {
                throw new IllegalArgumentException("draw counts add up to " + total + ", not " + n);
            }
        }
        return IdSection.payload(LAYOUT, sortedIds, true, values);
    }

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
