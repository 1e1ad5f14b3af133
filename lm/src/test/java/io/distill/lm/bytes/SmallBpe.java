package io.distill.lm.bytes;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A hand-checkable BPE teacher: 13 ids, five merges, and a hand-written next-token distribution that depends on the
 * whole context (a pure function, no weights). The vocabulary has what real ones have: multi-byte tokens that overlap
 * ("ab", "bc", "abc", "ca"), a two-byte UTF-8 character with its byte-fallback pieces, a duplicate of a byte ("a"
 * twice, as Llama 2's "a" and "&lt;0x61&gt;"), and byte-less BOS and EOS.
 */
final class SmallBpe {
    static final int EOS = 11;
    static final int BOS = 12;
    static final byte[][] PIECES = {
        b("a"),
        b("b"),
        b("c"),
        b("ab"),
        b("bc"),
        b("abc"),
        b("ca"),
        {(byte) 0xc3},
        {(byte) 0xa9},
        b("\u00e9"),
        b("a"),
        new byte[0],
        new byte[0]
    };
    /** Merges in priority order: {left, right, merged}. */
    private static final int[][] MERGES = {{0, 1, 3}, {1, 2, 4}, {3, 2, 5}, {2, 0, 6}, {7, 8, 9}};

    /** p(next | context): a softmax of smooth functions of the context; BOS is never emitted. */
    Optional<double[]> next(int[] context) {
        int h = 0;
        for (int k = 0; k < context.length; k++) {
            h = (h + (k + 1) * (context[k] + 1)) % 31;
        }
        int last = context.length == 0 ? 0 : context[context.length - 1];
        double[] p = new double[PIECES.length];
        double sum = 0;
        for (int id = 0; id < p.length; id++) {
            double logit = 1.5 * Math.sin(1.3 * id + 0.7 * h + 0.4 * last) - (id == EOS ? 1.0 : 0.0);
            p[id] = id == BOS ? 0 : Math.exp(logit);
            sum += p[id];
        }
        for (int id = 0; id < p.length; id++) {
            p[id] /= sum;
        }
        return Optional.of(p);
    }

    /** BPE: bytes to their single-byte ids (the first id of each byte), then merges by priority. */
    int[] encode(byte[] text) {
        List<Integer> ids = new ArrayList<>();
        for (byte x : text) {
            ids.add(byteId(x));
        }
        while (true) {
            int best = -1;
            int at = -1;
            for (int i = 0; i + 1 < ids.size(); i++) {
                for (int m = 0; m < MERGES.length; m++) {
                    if (MERGES[m][0] == ids.get(i) && MERGES[m][1] == ids.get(i + 1) && (best < 0 || m < best)) {
                        best = m;
                        at = i;
                    }
                }
            }
            if (best < 0) {
                return ids.stream().mapToInt(Integer::intValue).toArray();
            }
            ids.set(at, MERGES[best][2]);
            ids.remove(at + 1);
        }
    }

    private static int byteId(byte x) {
        for (int id = 0; id < PIECES.length; id++) {
            if (Arrays.equals(PIECES[id], new byte[] {x})) {
                return id;
            }
        }
        throw new IllegalArgumentException("no byte token for " + x);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
