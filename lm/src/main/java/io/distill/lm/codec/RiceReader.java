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
        while (bit() == 1) {
            if (++quotient > quotientBound) {
                throw outOfRange(what, bound);
            }
        }
        long value = quotient << k;
        for (int b = k - 1; b >= 0; b--) {
            value |= (long) bit() << b;
        }
        if (value >= bound) {
            throw outOfRange(what, bound);
        }
        return (int) value;
    }

    /** Ends the run: the bits padding its last byte must be zero, as written. */
    void end() {
        if (bitsLeft > 0 && (current & ((1 << bitsLeft) - 1)) != 0) {
            throw InvalidPayloadException.malformed("non-zero padding after a run of Rice codes");
        }
        bitsLeft = 0;
    }

    private int bit() {
        if (bitsLeft == 0) {
            current = in.u8();
            bitsLeft = 8;
        }
        bitsLeft--;
        return (current >>> bitsLeft) & 1;
    }

    private static InvalidPayloadException outOfRange(String what, long bound) {
        return InvalidPayloadException.malformed(
                bound <= 0 ? what + ": no value is possible there" : what + " outside 0.." + (bound - 1));
    }
}
