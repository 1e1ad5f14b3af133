package io.distill.trainer;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.distill.lm.tokenize.Padding;
import io.distill.lm.train.Batch;
import io.distill.lm.train.SoftTargets;
import io.distill.schemas.CodecKind;
import java.util.Arrays;
import java.util.List;

/**
 * Builds one training batch from window pieces of possibly different lengths: tokens right-padded with {@link
 * Padding#PAD} to the longest piece (PAD targets are masked by {@link Batch#fromWindows}), and the teacher's
 * signal as (B, T, k) arrays. Padding slots hold token id 0 with zero weight (top-k: a log-probability of {@link
 * #PAD_LOG_PROB}, whose exp is exactly 0 in fp32; sampled: count 0), so every value is finite and padding adds
 * nothing to any loss.
 *
 * <p>All pieces of a batch share one {@link TrainingWindow.BatchKey}: top-k pieces all have exactly K ids a position,
 * so only whole padded positions need filler; sampled positions have varying numbers of distinct ids.
 *
 * <p>Public so that the benchmarks build their batches exactly as the trainer does.
 */
public final class BatchAssembler {

    /** The log-probability of a padding slot: finite, and exp() of it is 0 in fp32. */
    static final float PAD_LOG_PROB = -1e4f;

    private BatchAssembler() {}

    /** The batch's arrays live in a new sub-manager of {@code parent}, closed with the batch. */
    public static Batch assemble(NDManager parent, List<TrainingWindow.Piece> pieces, TrainingWindow.BatchKey key) {
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one piece");
        }
        int b = pieces.size();
        int l = pieces.stream().mapToInt(TrainingWindow.Piece::positions).max().orElseThrow();
        int[][] windows = new int[b][];
        for (int i = 0; i < b; i++) {
            int[] tokens = pieces.get(i).tokens();
            windows[i] = Arrays.copyOf(tokens, l + 1);
            Arrays.fill(windows[i], tokens.length, l + 1, Padding.PAD);
        }
        boolean topK = key.kind() == CodecKind.TOPK;
        int k = topK ? key.codecSize() : widest(pieces);
        long[] ids = new long[b * l * k];
        float[] values = new float[b * l * k];
        if (topK) {
            Arrays.fill(values, PAD_LOG_PROB);
        }
        for (int i = 0; i < b; i++) {
            TrainingWindow.Piece piece = pieces.get(i);
            for (int t = 0; t < piece.positions(); t++) {
                int[] positionIds = piece.ids()[t];
                float[] positionValues = topK ? piece.logProbs()[t] : piece.weights()[t];
                if (positionIds.length > k || (topK && positionIds.length != k)) {
                    throw new IllegalArgumentException("piece " + i + " position " + t + " has " + positionIds.length
                            + " ids, the batch's codec " + key);
                }
                int base = (i * l + t) * k;
                for (int j = 0; j < positionIds.length; j++) {
                    ids[base + j] = positionIds[j];
                    values[base + j] = positionValues[j];
                }
            }
        }
        Batch batch = Batch.fromWindows(parent, windows);
        try {
            NDManager m = batch.manager();
            Shape shape = new Shape(b, l, k);
            SoftTargets soft = topK
                    ? new SoftTargets.TopK(m.create(ids, shape), m.create(values, shape), key.temperature())
                    : new SoftTargets.Sampled(m.create(ids, shape), m.create(values, shape), key.temperature());
            return batch.withTeacher(soft);
        } catch (RuntimeException e) {
            batch.close();
            throw e;
        }
    }

    /** Positions whose target is a real token (not padding): what tokens/s and tokens seen count. */
    public static long realPositions(List<TrainingWindow.Piece> pieces) {
        long n = 0;
        for (TrainingWindow.Piece p : pieces) {
            for (int j = 1; j < p.tokens().length; j++) {
                n += p.tokens()[j] == Padding.PAD ? 0 : 1;
            }
        }
        return n;
    }

    private static int widest(List<TrainingWindow.Piece> pieces) {
        int k = 1;
        for (TrainingWindow.Piece p : pieces) {
            for (int[] positionIds : p.ids()) {
                k = Math.max(k, positionIds.length);
            }
        }
        return k;
    }
}
