package io.distill.lm.codec;

/**
 * Reads one run written by {@link RiceCode#write}: the parameter byte, then codes one at a time, each checked
 * against the bound its caller gives before it is complete, so a run of crafted one-bits is refused once it passes
 * the bound instead of being counted to the end of the payload.
 */
final class RiceReader {
    private final PayloadReader in;
    private final int k;
    private int current;
    private int bitsLeft; // of current, unread

    RiceReader(PayloadReader in) {
        this.in = in;
        this.k = in.u8();
        if (k > RiceCode.MAX_PARAMETER) {
            throw InvalidPayloadException.malformed("a Rice parameter of " + k + ", at most " + RiceCode.MAX_PARAMETER);
        }
    }

    /** The next value, which must be below {@code bound}; {@code what} names it in the error. */
    int next(long bound, String what) {
        if (bound <= 0) {
            throw outOfRange(what, bound);
        }
        long quotientBound = (bound - 1) >>> k; // the largest quotient a value below the bound can have
        long quotient = 0;
        while (true) { // the unary quotient, a byte's worth of one-bits at a time
            if (bitsLeft == 0) {
                current = in.u8();
                bitsLeft = 8;
            }
            int ones = Integer.numberOfLeadingZeros(~(current << (32 - bitsLeft))); // at most bitsLeft
            boolean ended = ones < bitsLeft; // the zero-bit that ends the quotient is in this byte
            quotient += ones;
            bitsLeft -= ended ? ones + 1 : ones;
            if (quotient > quotientBound) {
                throw outOfRange(what, bound);
            }
            if (ended) {
                break;
            }
        }
        long value = quotient << k | lowBits();
        if (value >= bound) {
            throw outOfRange(what, bound);
        }
        return (int) value;
    }

    /** The k low bits of a value, most significant first. */
    private long lowBits() {
        long value = 0;
        for (int need = k; need > 0; ) {
            if (bitsLeft == 0) {
                current = in.u8();
                bitsLeft = 8;
            }
            int take = Math.min(need, bitsLeft);
            value = value << take | (current >>> (bitsLeft - take)) & ((1 << take) - 1);
            bitsLeft -= take;
            need -= take;
        }
        return value;
    }

    /** Ends the run: the bits padding its last byte must be zero, as written. */
    void end() {
        if (bitsLeft > 0 && (current & ((1 << bitsLeft) - 1)) != 0) {
            throw InvalidPayloadException.malformed("non-zero padding after a run of Rice codes");
        }
        bitsLeft = 0;
    }

    private static InvalidPayloadException outOfRange(String what, long bound) {
        return InvalidPayloadException.malformed(
                bound <= 0 ? what + ": no value is possible there" : what + " outside 0.." + (bound - 1));
    }
}
