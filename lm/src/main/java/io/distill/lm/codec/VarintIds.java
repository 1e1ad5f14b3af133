package io.distill.lm.codec;

/**
 * Reads the id encodings teachers wrote before the Rice-coded ones ({@link IdSection}), so records already on a
 * topic still decode: {@code 0} gaps and {@code 1} window dictionary, the same two with every number an unsigned
 * LEB128 varint and each position's count (sampled) in front of its ids. Nothing writes them any more.
 */
final class VarintIds {
    private VarintIds() {}

    /** The reader is past the encoding byte; see {@link IdSection#read} for the parameters. */
    static int[][] read(
            PayloadReader in, boolean dictionaryMode, int positions, int fixedCount, int maxCount, int vocab) {
        int[] dictionary = null;
        int universe = vocab;
        if (dictionaryMode) {
            int size = IdSection.dictionarySize(in, vocab);
            in.requireAtLeast(size, 1, "dictionary ids");
            dictionary = readAscending(in, size, vocab);
            universe = size;
        }
        in.requireAtLeast((long) positions * Math.max(1, fixedCount), 1, "ids of " + positions + " positions");
        int[][] ids = new int[positions][];
        for (int t = 0; t < positions; t++) {
            int count = fixedCount > 0 ? fixedCount : in.varint();
            if (count < 1 || count > maxCount || count > universe) {
                throw InvalidPayloadException.malformed(
                        count + " ids at position " + t + ", at most " + Math.min(maxCount, universe) + " possible");
            }
            in.requireAtLeast(count, 1, "ids at position " + t);
            int[] local = readAscending(in, count, universe);
            if (dictionary != null) {
                for (int j = 0; j < count; j++) {
                    local[j] = dictionary[local[j]];
                }
            }
            ids[t] = local;
        }
        return ids;
    }

    /** {@code count} ascending values below {@code bound}; the caller has checked that {@code count} bytes are left. */
    private static int[] readAscending(PayloadReader in, int count, int bound) {
        int[] values = new int[count];
        long previous = -1;
        for (int j = 0; j < count; j++) {
            long value = previous + 1 + in.varint();
            if (value >= bound) {
                throw InvalidPayloadException.malformed("token id or index " + value + " outside 0.." + (bound - 1));
            }
            values[j] = (int) value;
            previous = value;
        }
        return values;
    }
}
