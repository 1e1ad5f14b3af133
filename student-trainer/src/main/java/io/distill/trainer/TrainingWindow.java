package io.distill.trainer;

import io.distill.lm.codec.Codec;
import io.distill.lm.codec.WindowLabels;
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
 * @param soft the teacher's signal for the L positions, decoded and checked by the codec
 * @param temperature the temperature the teacher's signal was made at
 * @param codec the codec the signal came in
 * @param targetNats the teacher's own cross-entropy on the window at T = 1, when the record carries it
 * @param source where the record was read
 * @param offset its offset there
 * @param key the record's key as read, for a dead letter if the window cannot be trained
 * @param value the record's value as read, likewise
 * @param joined other records this window finishes, when it mixes several teachers' records ({@link TeacherMixture}):
 *     they are trained (or skipped) with it; empty otherwise
 */
record TrainingWindow(
        String sampleId,
        int window,
        int[] tokens,
        WindowLabels soft,
        float temperature,
        Codec codec,
        OptionalDouble targetNats,
        TopicPartition source,
        long offset,
        byte[] key,
        byte[] value,
        List<Origin> joined) {

    /** Where a record was read. */
    public record Origin(TopicPartition source, long offset) {}

    /** A window of one record. */
    TrainingWindow(
            String sampleId,
            int window,
            int[] tokens,
            WindowLabels soft,
            float temperature,
            Codec codec,
            OptionalDouble targetNats,
            TopicPartition source,
            long offset,
            byte[] key,
            byte[] value) {
        this(sampleId, window, tokens, soft, temperature, codec, targetNats, source, offset, key, value, List.of());
    }

    /** Every record the window stands for: its own, then those it joined. */
    public List<Origin> records() {
        List<Origin> out = new ArrayList<>(1 + joined.size());
        out.add(new Origin(source, offset));
        out.addAll(joined);
        return out;
    }

    /** A window can share a batch with another when their teacher signals have the same shape and temperature. */
    public record BatchKey(Codec codec, float temperature) {}

    /**
     * A run of at most {@code context} consecutive positions of a window, what one batch row holds.
     *
     * @param tokens positions + 1 token ids
     * @param soft the teacher's signal for those positions
     */
    public record Piece(int[] tokens, WindowLabels soft) {
        public int positions() {
            return tokens.length - 1;
        }
    }

    public BatchKey batchKey() {
        return new BatchKey(codec, temperature);
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
            out.add(new Piece(Arrays.copyOfRange(tokens, start, end + 1), soft.slice(start, end)));
        }
        return out;
    }
}
