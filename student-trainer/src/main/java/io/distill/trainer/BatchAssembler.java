package io.distill.trainer;

import ai.djl.ndarray.NDManager;
import io.distill.lm.codec.WindowLabels;
import io.distill.lm.tokenize.Padding;
import io.distill.lm.train.Batch;
import java.util.Arrays;
import java.util.List;

/**
 * Builds one training batch from window pieces of possibly different lengths: tokens right-padded with {@link
 * Padding#PAD} to the longest piece (PAD targets are masked by {@link Batch#fromWindows}), and the teacher's
 * signal as the batch's codec lays it out ({@link io.distill.lm.codec.Codec#targets}), padding adding nothing to
 * any loss.
 *
 * <p>All pieces of a batch share one {@link TrainingWindow.BatchKey}: the same codec and temperature.
 */
final class BatchAssembler {

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
        Batch batch = Batch.fromWindows(parent, windows);
        try {
            List<WindowLabels> rows =
                    pieces.stream().map(TrainingWindow.Piece::soft).toList();
            return batch.withTeacher(key.codec().targets(batch.manager(), rows, l, key.temperature()));
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
}
