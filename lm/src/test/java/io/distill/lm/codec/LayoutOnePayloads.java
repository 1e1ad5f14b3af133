package io.distill.lm.codec;

import java.io.ByteArrayOutputStream;

/** Writes {@code sampled:N} payloads in layout 1 (counts of draws at T), as teachers before layout 2 did. */
final class LayoutOnePayloads {
    private LayoutOnePayloads() {}

    /** @param ids per position, distinct ids; @param counts how often each was drawn, adding up to {@code n} */
    static byte[] pack(int[][] ids, int[][] counts, int n) {
        int[][] sortedIds = new int[ids.length][];
        ByteArrayOutputStream values = new ByteArrayOutputStream();
        for (int t = 0; t < ids.length; t++) {
            int[] order = Ascending.order(ids[t]);
            sortedIds[t] = Ascending.apply(ids[t], order);
            for (int j : order) {
                if (SampledCountsLayout.countsWritten(order.length, n)) {
                    values.write(counts[t][j]);
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(SampledCountsLayout.LAYOUT);
        IdSection.write(out, sortedIds, true);
        out.writeBytes(values.toByteArray());
        return out.toByteArray();
    }
}
