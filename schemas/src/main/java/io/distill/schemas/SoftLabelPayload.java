package io.distill.schemas;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Packs and unpacks the per-position codec payload of a {@link SoftLabels} record (layout in docs/wire-format.md).
 *
 * <p>Token ids of one position are sorted ascending and written as gaps ({@code id - previous - 1}, the first from
 * -1) in unsigned LEB128, so a position costs about one byte an id for small vocabularies and two for 50k ones.
 * TOPK writes exactly K gaps a position and K fp16 log-probabilities in the same order; SAMPLED writes the number
 * of distinct ids, the gaps, and one count byte each.
 */
public final class SoftLabelPayload {
    /** Draw counts travel as one unsigned byte. */
    public static final int MAX_SAMPLED_DRAWS = 255;

    private SoftLabelPayload() {}

    /** The three payload fields of a SoftLabels record. */
    public record Packed(ByteBuffer ids, ByteBuffer values, List<Float> logSumExp) {}

    /**
     * @param ids per position, the K token ids (any order; each position's ids must be distinct)
     * @param logProbs per position, the log-probabilities at temperature T of those ids, same order
     * @param logSumExp per position, the log-sum-exp of logits / T
     */
    public static Packed packTopK(int[][] ids, float[][] logProbs, float[] logSumExp) {
        ByteArrayOutputStream idBytes = new ByteArrayOutputStream();
        ByteBuffer values = ByteBuffer.allocate(2 * totalLength(ids)).order(ByteOrder.LITTLE_ENDIAN);
        List<Float> lse = new ArrayList<>(logSumExp.length);
        for (int t = 0; t < ids.length; t++) {
            int[] order = ascending(ids[t]);
            writeGaps(idBytes, ids[t], order);
            for (int j : order) {
                values.putShort(Fp16.fromFloat(logProbs[t][j]));
            }
            lse.add(logSumExp[t]);
        }
        return new Packed(ByteBuffer.wrap(idBytes.toByteArray()), values.flip(), lse);
    }

    /**
     * @param ids per position, the distinct token ids drawn
     * @param counts per position, how often each was drawn (1..255)
     */
    public static Packed packSampled(int[][] ids, int[][] counts) {
        ByteArrayOutputStream idBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream values = new ByteArrayOutputStream();
        for (int t = 0; t < ids.length; t++) {
            int[] order = ascending(ids[t]);
            Varint.write(idBytes, ids[t].length);
            writeGaps(idBytes, ids[t], order);
            for (int j : order) {
                if (counts[t][j] < 1 || counts[t][j] > MAX_SAMPLED_DRAWS) {
                    throw new IllegalArgumentException("a draw count must be 1.." + MAX_SAMPLED_DRAWS);
                }
                values.write(counts[t][j]);
            }
        }
        return new Packed(ByteBuffer.wrap(idBytes.toByteArray()), ByteBuffer.wrap(values.toByteArray()), List.of());
    }

    /**
     * Unpacks and checks a record's payload: every id inside the vocabulary, every value finite, counts adding up
     * to N, one position per input token.
     *
     * @throws InvalidSoftLabelsException when anything is off
     */
    public static DecodedSoftLabels unpack(SoftLabels record, int vocabSize) {
        int positions = record.getTokens().size() - 1;
        if (positions < 1) {
            throw malformed("a window needs at least 2 tokens, got "
                    + record.getTokens().size());
        }
        ByteBuffer ids = record.getIds().duplicate();
        ByteBuffer values = record.getValues().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int size = record.getCodec().getSize();
        try {
            DecodedSoftLabels decoded =
                    switch (record.getCodec().getKind()) {
                        case TOPK -> unpackTopK(ids, values, record.getLogSumExp(), positions, size, vocabSize);
                        case SAMPLED -> unpackSampled(ids, values, positions, size, vocabSize);
                    };
            if (ids.hasRemaining() || values.hasRemaining()) {
                throw malformed("payload longer than " + positions + " positions");
            }
            return decoded;
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw malformed("payload cut short or garbled: " + e);
        }
    }

    private static DecodedSoftLabels unpackTopK(
            ByteBuffer idBytes, ByteBuffer values, List<Float> logSumExp, int positions, int k, int vocab) {
        if (logSumExp.size() != positions) {
            throw malformed("TOPK needs one log-sum-exp a position: " + logSumExp.size() + " for " + positions);
        }
        int[][] ids = new int[positions][];
        float[][] logProbs = new float[positions][k];
        float[][] weights = new float[positions][k];
        for (int t = 0; t < positions; t++) {
            if (!Float.isFinite(logSumExp.get(t))) {
                throw nonFinite("log-sum-exp at position " + t + " is " + logSumExp.get(t));
            }
            ids[t] = readGaps(idBytes, k, vocab);
            double mass = 0;
            for (int j = 0; j < k; j++) {
                float lp = Fp16.toFloat(values.getShort());
                if (!Float.isFinite(lp) || lp > 1e-3f) {
                    throw nonFinite("log-probability " + lp + " at position " + t);
                }
                logProbs[t][j] = Math.min(lp, 0f);
                weights[t][j] = (float) Math.exp(logProbs[t][j]);
                mass += weights[t][j];
            }
            if (mass > 1.0 + 1e-2) {
                throw malformed("top-k probabilities add up to " + mass + " at position " + t);
            }
        }
        return new DecodedSoftLabels(CodecKind.TOPK, ids, weights, logProbs);
    }

    private static DecodedSoftLabels unpackSampled(
            ByteBuffer idBytes, ByteBuffer values, int positions, int n, int vocab) {
        int[][] ids = new int[positions][];
        float[][] weights = new float[positions][];
        for (int t = 0; t < positions; t++) {
            int distinct = Varint.read(idBytes);
            if (distinct < 1 || distinct > n) {
                throw malformed(distinct + " distinct ids for " + n + " draws at position " + t);
            }
            ids[t] = readGaps(idBytes, distinct, vocab);
            weights[t] = new float[distinct];
            int total = 0;
            for (int j = 0; j < distinct; j++) {
                int count = values.get() & 0xFF;
                total += count;
                weights[t][j] = count / (float) n;
            }
            if (total != n) {
                throw malformed("draw counts add up to " + total + ", not " + n + ", at position " + t);
            }
        }
        return new DecodedSoftLabels(CodecKind.SAMPLED, ids, weights, null);
    }

    private static void writeGaps(ByteArrayOutputStream out, int[] ids, int[] order) {
        int previous = -1;
        for (int j : order) {
            if (ids[j] <= previous) {
                throw new IllegalArgumentException("token ids of a position must be distinct and >= 0");
            }
            Varint.write(out, ids[j] - previous - 1);
            previous = ids[j];
        }
    }

    private static int[] readGaps(ByteBuffer in, int count, int vocab) {
        int[] ids = new int[count];
        int previous = -1;
        for (int j = 0; j < count; j++) {
            int id = previous + 1 + Varint.read(in);
            if (id >= vocab) {
                throw malformed("token id " + id + " outside the vocabulary of " + vocab);
            }
            ids[j] = id;
            previous = id;
        }
        return ids;
    }

    /** Indices of {@code ids} in ascending order of id. */
    private static int[] ascending(int[] ids) {
        long[] keyed = new long[ids.length];
        for (int j = 0; j < ids.length; j++) {
            keyed[j] = ((long) ids[j] << 32) | j;
        }
        Arrays.sort(keyed);
        int[] order = new int[ids.length];
        for (int j = 0; j < ids.length; j++) {
            order[j] = (int) keyed[j];
        }
        return order;
    }

    private static int totalLength(int[][] arrays) {
        int total = 0;
        for (int[] a : arrays) {
            total += a.length;
        }
        return total;
    }

    private static InvalidSoftLabelsException malformed(String message) {
        return new InvalidSoftLabelsException(InvalidSoftLabelsException.Reason.MALFORMED_PAYLOAD, message);
    }

    private static InvalidSoftLabelsException nonFinite(String message) {
        return new InvalidSoftLabelsException(InvalidSoftLabelsException.Reason.NON_FINITE, message);
    }
}
