package io.distill.trainer;

import io.distill.schemas.CodecKind;
import io.distill.schemas.DecodedSoftLabels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import org.apache.kafka.common.TopicPartition;

/**
 * One checked soft-label record, ready to train on or to evaluate: a window of L + 1 token ids and the teacher's
 * signal for its L positions.
 *
 * @param sampleId the sample the window was cut from
 * @param window the window's index within the sample
 * @param tokens L + 1 token ids: inputs {@code tokens[0..L)}, hard targets {@code tokens[1..L]}
 * @param soft the teacher's signal for the L positions, unpacked and checked
 * @param temperature the temperature the teacher's signal was made at
 * @param codecSize K of a top-k codec, N of a sampled one
 * @param targetNats the teacher's own cross-entropy on the window at T = 1, when the record carries it
 * @param source where the record was read
 * @param offset its offset there
 */
public record TrainingWindow(
        String sampleId,
        int window,
        int[] tokens,
        DecodedSoftLabels soft,
        float temperature,
        int codecSize,
        OptionalDouble targetNats,
        TopicPartition source,
        long offset) {

    /** A window can share a batch with another when their teacher signals have the same shape and temperature. */
    public record BatchKey(CodecKind kind, int codecSize, float temperature) {}

    /**
     * A run of at most {@code context} consecutive positions of a window, what one batch row holds.
     *
     * @param tokens positions + 1 token ids
     * @param ids per position, the teacher's token ids
     * @param weights per position, exp(log-prob) for top-k, count / N for sampled
     * @param logProbs per position, the teacher's log-probabilities (top-k only, else null)
     */
    public record Piece(int[] tokens, int[][] ids, float[][] weights, float[][] logProbs) {
        public int positions() {
            return tokens.length - 1;
        }
    }

    public BatchKey batchKey() {
        return new BatchKey(soft.kind(), codecSize, temperature);
    }

    /** Positions L of the window. */
    public int positions() {
        return tokens.length - 1;
    }

    /**
     * The window cut into pieces of at most {@code context} positions, in order; a window the student's context
     * holds is one piece. A longer window (the teacher's context can be longer than the student's) is trained as
     * consecutive pieces: each position keeps the teacher's target distribution, the student sees less left context.
     */
    public List<Piece> pieces(int context) {
        List<Piece> out = new ArrayList<>();
        int l = positions();
        for (int start = 0; start < l; start += context) {
            int end = Math.min(l, start + context);
            out.add(new Piece(
                    Arrays.copyOfRange(tokens, start, end + 1),
                    Arrays.copyOfRange(soft.ids(), start, end),
                    Arrays.copyOfRange(soft.weights(), start, end),
                    soft.logProbs() == null ? null : Arrays.copyOfRange(soft.logProbs(), start, end)));
        }
        return out;
    }
}
