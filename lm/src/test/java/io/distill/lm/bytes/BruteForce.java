package io.distill.lm.bytes;

import java.util.Arrays;

/**
 * Exact next-byte marginals by enumerating every tokenization, written as directly as the definitions and sharing
 * nothing with {@link ByteProjection}: the probability that the text continues with {@code r} after a context is the
 * sum over the tokens that cover all of {@code r}, plus over the tokens that are a strict prefix of {@code r} times
 * the same quantity for the rest. Exponential in the text's length: for a few bytes only.
 */
final class BruteForce {
    private final byte[][] pieces;
    private final TokenModel model;
    private final int eos;

    BruteForce(byte[][] pieces, TokenModel model, int eos) {
        this.pieces = pieces;
        this.model = model;
        this.eos = eos;
    }

    /** P(next byte | context, y) over 256 bytes and end of text. */
    double[] nextByte(int[] context, byte[] y) {
        double z = prefix(context, y);
        double[] out = new double[ByteProjection.OUTCOMES];
        for (int b = 0; b < 256; b++) {
            byte[] yb = Arrays.copyOf(y, y.length + 1);
            yb[y.length] = (byte) b;
            out[b] = prefix(context, yb) / z;
        }
        out[ByteProjection.END] = complete(context, y) / z;
        return out;
    }

    /** P(the text after {@code context} starts with {@code r}). */
    double prefix(int[] context, byte[] r) {
        if (r.length == 0) {
            return 1.0;
        }
        double[] p = model.next(context).orElseThrow();
        double sum = 0;
        for (int id = 0; id < pieces.length; id++) {
            byte[] t = pieces[id];
            if (t.length == 0 || p[id] == 0) {
                continue;
            }
            if (startsWith(t, r)) {
                sum += p[id];
            } else if (t.length < r.length && startsWith(r, t)) {
                sum += p[id] * prefix(append(context, id), Arrays.copyOfRange(r, t.length, r.length));
            }
        }
        return sum;
    }

    /** P(the text after {@code context} is exactly {@code r}, then end of text). */
    double complete(int[] context, byte[] r) {
        return spelled(context, r, true);
    }

    /** P(the tokens after {@code context} spell exactly {@code r}, then anything): a token ends at its end. */
    double exactly(int[] context, byte[] r) {
        return spelled(context, r, false);
    }

    private double spelled(int[] context, byte[] r, boolean thenEnd) {
        if (r.length == 0 && !thenEnd) {
            return 1.0;
        }
        double[] p = model.next(context).orElseThrow();
        if (r.length == 0) {
            return p[eos];
        }
        double sum = 0;
        for (int id = 0; id < pieces.length; id++) {
            byte[] t = pieces[id];
            if (t.length > 0 && p[id] > 0 && startsWith(r, t)) {
                sum += p[id] * spelled(append(context, id), Arrays.copyOfRange(r, t.length, r.length), thenEnd);
            }
        }
        return sum;
    }

    private static boolean startsWith(byte[] s, byte[] prefix) {
        return s.length >= prefix.length && Arrays.equals(s, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static int[] append(int[] context, int id) {
        int[] out = Arrays.copyOf(context, context.length + 1);
        out[context.length] = id;
        return out;
    }
}
