package io.distill.lm.codec;

/**
 * Encodes the rows of one batch of teacher logits into payloads; made by {@link Codec#encoder}. Row {@code i} is
 * the i-th window of the batch, right-padded: only its first {@code positions} positions are read.
 */
public interface BatchEncoder {
    /**
     * The first of the row's positions whose payload would not be finite, or -1; a position whose logits had a NaN or
     * +inf (NaN log-probabilities throughout) is one.
     */
    int firstNonFinite(int row, int positions);

    /**
     * @param seed for codecs that draw at random: the same seed gives the same payload, so a replayed window is
     *     labelled identically
     * @return the payload bytes, leading layout byte included
     */
    byte[] encode(int row, int positions, long seed);
}
