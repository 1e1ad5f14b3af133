package io.distill.lm.codec;

/**
 * The bytes of a {@code topk:K} payload, layout 1:
 *
 * <pre>
 * u8         layout = 1
 * id section K ids a position, ascending ({@link IdSection})
 * per position:
 *   fp16     ln(tail mass), little-endian: the teacher mass outside the K ids (-inf when there is none)
 *   K x u8   q_j = round((ln p_max - ln p_j) / STEP), clamped to 1..255 for all but the most likely id (0), in
 *            the same (ascending id) order
 * </pre>
 *
 * The tail mass is exact (to fp16 precision of its log), so the KL's tail bucket is; the head's shape is
 * quantized in steps of 1/16 nat (a probability within +-3.2% of the teacher's), and the decoder scales it to the
 * exact head mass 1 - tail. Ids more than 255 steps (15.9 nats) below the position's most likely one are read as
 * that far below. Choosing the step: see docs/wire-format.md and the quality numbers in docs/benchmarks.md.
 */
final class TopKLayout {
    static final int LAYOUT = 1;

    /** Nats per quantization step of a log-probability relative to its position's maximum. */
    static final double STEP = 1.0 / 16;

    /** A head mass below this is read as this small: keeps the log-probabilities finite when the tail is ~1. */
    private static final double HEAD_FLOOR = 1e-30;

    private TopKLayout() {}

    /**
     * @param ids per position, the K ids (any order, distinct)
     * @param logProbs per position, their log-probabilities at T, normalised over the whole vocabulary
     */
    static byte[] pack(int[][] ids, float[][] logProbs) {
        int positions = ids.length;
        int[][] sortedIds = new int[positions][];
        ByteSink values = new ByteSink(positions * (2 + (positions == 0 ? 0 : ids[0].length))); // fp16 + K bytes each
        for (int t = 0; t < positions; t++) {
            int[] order = Ascending.order(ids[t]);
            sortedIds[t] = Ascending.apply(ids[t], order);
            int top = 0;
            double head = 0;
            for (int j = 0; j < logProbs[t].length; j++) {
                float lp = logProbs[t][j];
                if (!Float.isFinite(lp) || lp > 0f) {
                    throw new IllegalArgumentException("log-probability " + lp + " at position " + t);
                }
                top = lp > logProbs[t][top] ? j : top;
                head += Math.exp(lp);
            }
            short lnTail = Fp16.fromFloat((float) Math.log(Math.max(0.0, 1.0 - head)));
            values.write(lnTail & 0xFF);
            values.write((lnTail >>> 8) & 0xFF);
            for (int j : order) {
                values.write(j == top ? 0 : step(logProbs[t][top] - logProbs[t][j]));
            }
        }
        return IdSection.payload(LAYOUT, sortedIds, false, values);
    }

    /**
     * A log-probability {@code below} nats under the position's maximum, in steps: at least 1, so the teacher's most
     * likely id stays the only one at step 0 (top-1 agreement is measured against it), and at most 255.
     */
    private static int step(double below) {
        return (int) Math.max(1, Math.min(255, Math.round(below / STEP)));
    }

    private static int zeros(int[] steps) {
        int n = 0;
        for (int q : steps) {
            n += q == 0 ? 1 : 0;
        }
        return n;
    }

    /** Reads what {@link #pack} wrote; the reader is past the layout byte. */
    static WindowLabels unpack(PayloadReader in, int positions, int k, int vocab) {
        int[][] ids = IdSection.read(in, positions, k, k, vocab);
        in.requireAtLeast((long) positions * (k + 2), 1, "top-k values of " + positions + " positions");
        float[][] logProbs = new float[positions][k];
        float[][] weights = new float[positions][k];
        float[] tailMass = new float[positions];
        for (int t = 0; t < positions; t++) {
            float lnTail = Fp16.toFloat(in.u16());
            if (Float.isNaN(lnTail) || lnTail > 0f) {
                throw (Float.isNaN(lnTail) || Float.isInfinite(lnTail)
                        ? InvalidPayloadException.nonFinite("ln(tail mass) " + lnTail + " at position " + t)
                        : InvalidPayloadException.malformed("a tail mass above 1 at position " + t));
            }
            double tail = Math.exp(lnTail);
            int[] q = new int[k];
            double shape = 0;
            for (int j = 0; j < k; j++) {
                q[j] = in.u8();
                shape += Math.exp(-q[j] * STEP);
            }
            if (zeros(q) != 1) {
                throw InvalidPayloadException.malformed("not exactly one most likely id (step 0) at position " + t);
            }
            // ln p_j = ln(head) + ln(shape_j / sum of shapes): the quantized shape scaled to the exact head mass
            double lnScale = Math.log(Math.max(1.0 - tail, HEAD_FLOOR)) - Math.log(shape);
            for (int j = 0; j < k; j++) {
                logProbs[t][j] = (float) (lnScale - q[j] * STEP);
                weights[t][j] = (float) Math.exp(logProbs[t][j]);
            }
            tailMass[t] = (float) tail;
        }
        in.requireEnd(positions);
        return WindowLabels.byWeight(ids, weights, logProbs, tailMass);
    }
}
