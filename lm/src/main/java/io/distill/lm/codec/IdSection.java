package io.distill.lm.codec;

import java.util.Arrays;

/**
 * The token ids of a window's positions, each position's ids distinct and ascending, in whichever of two encodings
 * is smaller for this window (the first byte says which):
 *
 * <ul>
 *   <li>{@code 0} gaps: per position, each id as the gap to the previous one ({@code id - previous - 1}, the first
 *       from -1) in LEB128. Best when ids rarely repeat across positions (the worst case: ids spread uniformly).
 *   <li>{@code 1} dictionary: the window's distinct ids once, as gaps, then per position the gaps between indices
 *       into that list. Real text repeats ids across positions, so at 50k-262k vocabularies an index costs one byte
 *       where an id costs two or three.
 * </ul>
 *
 * When positions carry different numbers of ids (sampled), each position's count comes first, in LEB128.
 */
final class IdSection {
    private static final int GAPS = 0;
    private static final int DICTIONARY = 1;

    private IdSection() {}

    /** A whole payload: the layout byte, the ids, then the layout's {@code values} section. */
    static byte[] payload(int layout, int[][] ids, boolean writeCounts, ByteSink values) {
        int total = 0;
        for (int[] position : ids) {
            total += position.length;
        }
        ByteSink gaps = new ByteSink(total + ids.length);
        for (int[] position : ids) {
            writePosition(gaps, position, writeCounts);
        }
        ByteSink indexed = new ByteSink(total + ids.length);
        int[] dictionary = distinctAscending(ids, total);
        writePosition(indexed, dictionary, true);
        for (int[] position : ids) {
            int[] indices = new int[position.length];
            for (int j = 0; j < position.length; j++) {
                indices[j] = Arrays.binarySearch(dictionary, position[j]);
            }
            writePosition(indexed, indices, writeCounts);
        }
        boolean useDictionary = indexed.size() < gaps.size();
        ByteSink chosen = useDictionary ? indexed : gaps;
        ByteSink out = new ByteSink(2 + chosen.size() + values.size());
        out.write(layout);
        out.write(useDictionary ? DICTIONARY : GAPS);
        out.write(chosen);
        out.write(values);
        return out.toByteArray();
    }

    /** Every id of the window once, ascending. */
    private static int[] distinctAscending(int[][] ids, int total) {
        int[] all = new int[total];
        int at = 0;
        for (int[] position : ids) {
            System.arraycopy(position, 0, all, at, position.length);
            at += position.length;
        }
        Arrays.sort(all);
        int distinct = 0;
        for (int j = 0; j < total; j++) {
            if (distinct == 0 || all[j] != all[distinct - 1]) {
                all[distinct++] = all[j];
            }
        }
        return Arrays.copyOf(all, distinct);
    }

    /**
     * Reads the ids of {@code positions} positions. Every count is checked against the bytes left (each id takes at
     * least one) and the vocabulary before anything of that size is allocated.
     *
     * @param fixedCount the number of ids every position has (top-k), or 0 when each position's count was written
     * @param maxCount the most ids a position may have
     */
    static int[][] read(PayloadReader in, int positions, int fixedCount, int maxCount, int vocab) {
        int mode = in.u8();
        int[] dictionary = null;
        int universe = vocab;
        if (mode == DICTIONARY) {
            int size = in.varint();
            if (size < 1 || size > vocab) {
                throw InvalidPayloadException.malformed(
                        "an id dictionary of " + size + " for a vocabulary of " + vocab);
            }
            in.requireAtLeast(size, 1, "dictionary ids");
            dictionary = readAscending(in, size, vocab);
            universe = size;
        } else if (mode != GAPS) {
            throw InvalidPayloadException.malformed("unknown id encoding " + mode);
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

    private static void writePosition(ByteSink out, int[] ascending, boolean writeCount) {
        if (writeCount) {
            Varint.write(out, ascending.length);
        }
        int previous = -1;
        for (int id : ascending) {
            if (id <= previous) {
                throw new IllegalArgumentException("token ids of a position must be distinct and >= 0");
            }
            Varint.write(out, id - previous - 1);
            previous = id;
        }
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
