package io.distill.lm.codec;

import java.util.Arrays;

/** Sorting a position's ids ascending while keeping track of where each came from, for values in the same order. */
final class Ascending {
    private Ascending() {}

    /** Indices of {@code ids} in ascending order of id. */
    static int[] order(int[] ids) {
        long[] keyed = new long[ids.length];
        for (int j = 0; j < ids.length; j++) {
            keyed[j] = ((long) ids[j] << 32) | j;
        }
        Arrays.sort(keyed);
        int[] order = new int[ids.length];
        for (int j = 0; j < ids.length; j++) {
            order[j] = (int) keyed[j];
        }
        return order;
    }

    static int[] apply(int[] values, int[] order) {
        int[] out = new int[order.length];
        for (int j = 0; j < order.length; j++) {
            out[j] = values[order[j]];
        }
        return out;
    }
}
