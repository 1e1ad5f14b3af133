package io.distill.lm.bytes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The teacher's approximation measured against brute force on the small BPE vocabulary: one "forward pass" per
 * token of the text's own BPE tokenization ({@link CanonicalPath}) instead of every context. Reports the largest
 * absolute error of a next-byte probability, the mean total variation per byte and the cost per byte, for every way of
 * handling the covers the teacher never ran ({@link DroppedCoverGuess}); the bounds are the teacher service's measured
 * values rounded up (docs/byte-bridge.md), so a worse approximation fails. The hand-written model spreads
 * its mass over every tokenization, the worst case for an approximation that follows only one (KL is infinite: some
 * bytes are reachable only through a context it never evaluates).
 */
class CanonicalPathErrorTest {

    @Test
    void errorAgainstBruteForceOnTheSmallVocabulary() {
        Map<DroppedCoverGuess, double[]> errors = new EnumMap<>(DroppedCoverGuess.class);
        for (DroppedCoverGuess guess : DroppedCoverGuess.values()) {
            errors.put(guess, error(guess));
        }
        double[] before = errors.get(DroppedCoverGuess.RENORMALISE);
        double[] now = errors.get(DroppedCoverGuess.CANONICAL);
        double maxAbs = now[0];
        double tv = now[1];
        assertTrue(maxAbs > 1e-3, "the approximation is not exact on this vocabulary: " + maxAbs);
        assertTrue(maxAbs < 0.78 && tv < 0.15, "max " + maxAbs + ", total variation " + tv);
        assertTrue(tv < before[1], "guessing the dropped covers is closer than renormalising them away");
    }

    /** {max |dp|, mean total variation per position} of the teacher's approximation with {@code guess}. */
    private static double[] error(DroppedCoverGuess guess) {
        SmallBpe bpe = new SmallBpe();
        ByteProjection projection =
                new ByteProjection(ByteTrie.of(SmallBpe.PIECES), OptionalInt.of(SmallBpe.EOS), guess);
        BruteForce exact = new BruteForce(SmallBpe.PIECES, bpe::next, SmallBpe.EOS);
        double maxAbs = 0;
        double tv = 0;
        double kl = 0;
        int positions = 0;
        long nanos = 0;
        for (String text : new String[] {"abcab", "cabcbca", "ab\u00e9\u00e9a", "bbcaab", "abcabcab", "cacbab"}) {
            byte[] y = ByteProjectionTest.bytes(text);
            int[] ids = prepend(SmallBpe.BOS, bpe.encode(y));
            float[][] logProbs = new float[ids.length][];
            for (int j = 0; j < ids.length; j++) { // the teacher's one forward: every prefix of the BPE ids
                double[] p = bpe.next(Arrays.copyOf(ids, j + 1)).orElseThrow();
                logProbs[j] = new float[p.length];
                for (int v = 0; v < p.length; v++) {
                    logProbs[j][v] = (float) Math.log(p[v]);
                }
            }
            long t0 = System.nanoTime();
            double[][] got = projection
                    .project(new CanonicalPath(ids, logProbs), new int[] {SmallBpe.BOS}, y, 0)
                    .next();
            nanos += System.nanoTime() - t0;
            for (int i = 0; i <= y.length; i++) {
                double[] want = exact.nextByte(new int[] {SmallBpe.BOS}, Arrays.copyOf(y, i));
                assertEquals(1.0, Arrays.stream(got[i]).sum(), 1e-9);
                for (int b = 0; b < ByteProjection.OUTCOMES; b++) {
                    maxAbs = Math.max(maxAbs, Math.abs(want[b] - got[i][b]));
                    tv += Math.abs(want[b] - got[i][b]) / 2;
                    kl += want[b] > 0 ? want[b] * Math.log(want[b] / got[i][b]) : 0;
                }
                positions++;
            }
        }
        System.out.println(String.format(
                Locale.ROOT,
                "canonical path vs brute force, %s: max |dp| %.4f, mean total variation %.4f, mean KL(exact || this)"
                        + " %.4f nats, %.1f us/byte",
                guess,
                maxAbs,
                tv / positions,
                kl / positions,
                nanos / 1e3 / positions));
        return new double[] {maxAbs, tv / positions};
    }

    private static int[] prepend(int first, int[] rest) {
        int[] out = new int[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }
}
