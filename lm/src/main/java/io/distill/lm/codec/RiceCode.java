package io.distill.lm.codec;

/**
 * Golomb-Rice codes for a run of non-negative integers, the bit-level form of the id section ({@link IdSection}).
 * A value v with parameter k is {@code v >>> k} one-bits, a zero-bit, then the low k bits of v, most significant
 * first. For the gaps between sorted ids, which are close to geometric, the best k costs within about one bit of
 * the entropy: 16 ids of a 262k vocabulary take 31 bytes where LEB128 varints take 40.
 *
 * <p>A run is written as one byte k, then the codes, then zero-bits to the next byte ({@link RiceReader} reads it).
 */
final class RiceCode {
    /** The largest parameter a run may use: ids and counts are below 2^31. */
    static final int MAX_PARAMETER = 30;

    private RiceCode() {}

    /**
     * The parameter that writes {@code values} in the fewest bits, of those within two of log2 of their mean: for
     * gaps between sorted ids (close to geometric) the best one is there, and the teacher sizes three runs a window on
     * its stream thread, so it does not try all 31.
     */
    static int bestParameter(int[] values) {
        long sum = 0;
        for (int v : values) {
            sum += v;
        }
        int nearMean = 63 - Long.numberOfLeadingZeros(Math.max(1, sum / Math.max(1, values.length)));
        int best = 0;
        long bestBits = Long.MAX_VALUE;
        for (int k = Math.max(0, nearMean - 2); k <= Math.min(MAX_PARAMETER, nearMean + 2); k++) {
            long bits = bits(values, k);
            if (bits < bestBits) {
                best = k;
                bestBits = bits;
            }
        }
        return best;
    }

    /** The bytes {@link #write} takes for {@code values} at parameter {@code k}, the parameter byte included. */
    static long bytes(int[] values, int k) {
        return 1 + (bits(values, k) + 7) / 8;
    }

    private static long bits(int[] values, int k) {
        long bits = (long) values.length * (k + 1);
        for (int v : values) {
            bits += v >>> k;
        }
        return bits;
    }

    static void write(ByteSink out, int[] values, int k) {
        out.write(k);
        Bits bits = new Bits(out);
        for (int v : values) {
            if (v < 0) {
                throw new IllegalArgumentException("Rice codes are for non-negative values, got " + v);
            }
            int ones = v >>> k;
            for (; ones >= 32; ones -= 32) {
                bits.append(0xFFFF_FFFFL, 32);
            }
            bits.append(((1L << ones) - 1) << 1, ones + 1); // the rest of the quotient's one-bits and the zero-bit
            bits.append(v & ((1L << k) - 1), k);
        }
        bits.pad();
    }

    /** Bits appended most significant first, into whole bytes as soon as there are eight. */
    private static final class Bits {
        private final ByteSink out;
        private long buffer; // the pending bits, at the low end; fewer than 8 between appends
        private int pending;

        Bits(ByteSink out) {
            this.out = out;
        }

        /** The low {@code count} bits of {@code bits}, {@code count} at most 33. */
        void append(long bits, int count) {
            buffer = buffer << count | bits;
            pending += count;
            while (pending >= 8) {
                pending -= 8;
                out.write((int) (buffer >>> pending));
            }
            buffer &= (1L << pending) - 1;
        }

        void pad() {
            if (pending > 0) {
                out.write((int) (buffer << (8 - pending)));
            }
            buffer = 0;
            pending = 0;
        }
    }
}
