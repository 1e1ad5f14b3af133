package io.distill.lm.codec;

import java.util.Arrays;

/**
 * The token ids of a window's positions, each position's ids distinct and ascending, in whichever of two encodings
 * is smaller for this window (the first byte says which):
 *
 * <ul>
 *   <li>{@code 2} gaps: per position, each id as the gap to the previous one ({@code id - previous - 1}, the first
 *       from -1). Best when ids rarely repeat across positions (the worst case: ids spread uniformly).
 *   <li>{@code 3} dictionary: the number of the window's distinct ids (LEB128) and those ids once, as gaps, then per
 *       position the gaps between indices into that list. Real text repeats ids across positions, so at 50k-262k
 *       vocabularies an index costs about 8 bits where an id costs 14-16.
 * </ul>
 *
 * Each run of gaps is Golomb-Rice coded with its own best parameter ({@link RiceCode}). When positions carry
 * different numbers of ids (sampled), a run of the counts less one comes before the gaps of the ids. Encodings
 * {@code 0} and {@code 1} are the same two with every number an LEB128 varint, what teachers wrote before issue 13's
 * Rice codes; they are still read, so records already on a topic decode.
 */
final class IdSection {
    private static final int VARINT_GAPS = 0;
    private static final int VARINT_DICTIONARY = 1;
    private static final int GAPS = 2;
    private static final int DICTIONARY = 3;

    private IdSection() {}

    /** A whole payload: the layout byte, the ids, then the layout's {@code values} section. */
    static byte[] payload(int layout, int[][] ids, boolean writeCounts, ByteSink values) {
        int[] dictionary = distinctAscending(ids);
        int[] idGaps = gaps(ids, null);
        int[] indexGaps = gaps(ids, dictionary);
        int[] dictionaryGaps = gaps(new int[][] {dictionary}, null);
        int idK = RiceCode.bestParameter(idGaps);
        int indexK = RiceCode.bestParameter(indexGaps);
        int dictionaryK = RiceCode.bestParameter(dictionaryGaps);
        long viaGaps = RiceCode.bytes(idGaps, idK);
        long viaDictionary = varintBytes(dictionary.length)
                + RiceCode.bytes(dictionaryGaps, dictionaryK)
                + RiceCode.bytes(indexGaps, indexK);
        boolean useDictionary = viaDictionary < viaGaps;

        ByteSink out = new ByteSink((int) (2 + Math.min(viaGaps, viaDictionary) + ids.length + values.size()));
        out.write(layout);
        out.write(useDictionary ? DICTIONARY : GAPS);
        if (useDictionary) {
            Varint.write(out, dictionary.length);
            RiceCode.write(out, dictionaryGaps, dictionaryK);
        }
        if (writeCounts) {
            int[] countsLessOne = new int[ids.length];
            for (int t = 0; t < ids.length; t++) {
                countsLessOne[t] = ids[t].length - 1;
            }
            RiceCode.write(out, countsLessOne, RiceCode.bestParameter(countsLessOne));
        }
        if (useDictionary) {
            RiceCode.write(out, indexGaps, indexK);
        } else {
            RiceCode.write(out, idGaps, idK);
        }
        out.write(values);
        return out.toByteArray();
    }

    /**
     * Every position's ids, or their indices in {@code dictionary} when it is given, as gaps ({@code value -
     * previous - 1}, the first from -1), one run for the window.
     */
    private static int[] gaps(int[][] ids, int[] dictionary) {
        int total = 0;
        for (int[] position : ids) {
            total += position.length;
        }
        int[] gaps = new int[total];
        int at = 0;
        for (int[] position : ids) {
            int previous = -1;
            for (int id : position) {
                int value =
                        dictionary == null ? id : Arrays.binarySearch(dictionary, previous + 1, dictionary.length, id);
                if (value <= previous) {
                    throw new IllegalArgumentException("token ids of a position must be distinct and >= 0");
                }
                gaps[at++] = value - previous - 1;
                previous = value;
            }
        }
        return gaps;
    }

    /** Every id of the window once, ascending. */
    private static int[] distinctAscending(int[][] ids) {
        int total = 0;
        for (int[] position : ids) {
            total += position.length;
        }
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

    private static int varintBytes(int value) {
        return Math.max(1, (38 - Integer.numberOfLeadingZeros(value)) / 7);
    }

    /**
     * Reads the ids of {@code positions} positions. Every count is checked against the bits left (each id takes at
     * least one) and the vocabulary before anything of that size is allocated.
     *
     * @param fixedCount the number of ids every position has (top-k), or 0 when each position's count was written
     * @param maxCount the most ids a position may have
     */
    static int[][] read(PayloadReader in, int positions, int fixedCount, int maxCount, int vocab) {
        int mode = in.u8();
        return switch (mode) {
            case GAPS, DICTIONARY -> readRice(in, mode == DICTIONARY, positions, fixedCount, maxCount, vocab);
            case VARINT_GAPS, VARINT_DICTIONARY ->
                VarintIds.read(in, mode == VARINT_DICTIONARY, positions, fixedCount, maxCount, vocab);
            // a version skew, not corruption: the payload came from a newer teacher, and an upgrade reads it
            default ->
                throw new InvalidPayloadException(
                        InvalidPayloadException.Reason.UNKNOWN_LAYOUT,
                        "ids in encoding " + mode + "; this build reads encodings 0 to 3 (docs/wire-format.md)");
        };
    }

    private static int[][] readRice(
            PayloadReader in, boolean dictionaryMode, int positions, int fixedCount, int maxCount, int vocab) {
        int[] dictionary = null;
        int universe = vocab;
        if (dictionaryMode) {
            int size = dictionarySize(in, vocab);
            requireBits(in, size, "dictionary ids");
            RiceReader run = new RiceReader(in);
            dictionary = readAscending(run, size, vocab, "dictionary id");
            run.end();
            universe = size;
        }
        int[] counts = counts(in, positions, fixedCount, Math.min(maxCount, universe));
        requireBits(in, Arrays.stream(counts).asLongStream().sum(), "ids of " + positions + " positions");
        RiceReader run = new RiceReader(in);
        int[][] ids = new int[positions][];
        for (int t = 0; t < positions; t++) {
            ids[t] = readAscending(run, counts[t], universe, "token id or index at position " + t);
            if (dictionary != null) {
                for (int j = 0; j < ids[t].length; j++) {
                    ids[t][j] = dictionary[ids[t][j]];
                }
            }
        }
        run.end();
        return ids;
    }

    /** The window dictionary's number of ids, both encodings' first number (LEB128): 1 to the vocabulary. */
    static int dictionarySize(PayloadReader in, int vocab) {
        int size = in.varint();
        if (size < 1 || size > vocab) {
            throw InvalidPayloadException.malformed("an id dictionary of " + size + " for a vocabulary of " + vocab);
        }
        return size;
    }

    /** Each position's number of ids: {@code fixedCount}, or read from the run of counts less one. */
    private static int[] counts(PayloadReader in, int positions, int fixedCount, int possible) {
        if (fixedCount > 0) {
            if (fixedCount > possible) {
                throw InvalidPayloadException.malformed(
                        fixedCount + " ids a position, at most " + possible + " possible");
            }
            requireBits(in, (long) positions * fixedCount, "ids of " + positions + " positions");
            int[] counts = new int[positions];
            Arrays.fill(counts, fixedCount);
            return counts;
        }
        requireBits(in, positions, "id counts of " + positions + " positions");
        RiceReader run = new RiceReader(in);
        int[] counts = new int[positions];
        for (int t = 0; t < positions; t++) {
            counts[t] = 1 + run.next(possible, "the number of ids less one at position " + t);
        }
        run.end();
        return counts;
    }

    /** {@code count} ascending values below {@code bound}, each coded as the gap to the one before. */
    private static int[] readAscending(RiceReader run, int count, int bound, String what) {
        int[] values = new int[count];
        long previous = -1;
        for (int j = 0; j < count; j++) {
            long value = previous + 1 + run.next(bound - previous - 1, what);
            values[j] = (int) value;
            previous = value;
        }
        return values;
    }

    /** Refuses a claim of {@code count} codes when fewer bits are left: every Rice code takes at least one. */
    private static void requireBits(PayloadReader in, long count, String what) {
        in.requireAtLeast((count + 7) / 8, 1, what);
    }
}
