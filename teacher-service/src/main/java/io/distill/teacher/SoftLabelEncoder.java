package io.distill.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.distill.lm.tokenize.Padding;
import io.distill.schemas.Codec;
import io.distill.schemas.CodecKind;
import io.distill.schemas.SoftLabelPayload;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TeacherIdentity;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Turns the teacher's logits for a batch of windows into {@link SoftLabels} records: each window's next-token
 * distributions at temperature T, encoded with the codec.
 *
 * <ul>
 *   <li>{@code topk:K}: the K largest z/T per position, as log p_T = z/T - logsumexp(z/T), plus that log-sum-exp,
 *       so the kept probabilities are exact and the tail mass is known.
 *   <li>{@code sampled:N}: N draws from p_T = softmax(z/T) per position, as distinct ids and counts. The draws are
 *       seeded from (sample id, window), so a replay of the same window draws the same ids.
 * </ul>
 *
 * Every record also carries the teacher's own cross-entropy at T = 1 on the window ({@code targetNats}).
 *
 * <p>This is the only place soft labels are made: the service ({@link SoftLabeler}) and anything that labels in
 * its own process ({@link TextLabeler}, the benchmarks) call it, so what they produce is what goes on the wire.
 *
 * <p>A window with a NaN or infinite logit at any real position is not encoded (a -inf is let through only where
 * it cannot reach the wire: outside the top K, or as a probability of 0 to sample from); it comes back as {@link
 * NonFinite}.
 */
public final class SoftLabelEncoder {

    /**
     * A window to label.
     *
     * @param index the window's position within its sample
     * @param tokens L + 1 token ids: inputs {@code [0, L)}, targets {@code [1, L]}
     */
    public record Window(String sampleId, int index, int[] tokens) {
        public int positions() {
            return tokens.length - 1;
        }
    }

    /** What became of one window. */
    public sealed interface Result permits Labelled, NonFinite {}

    /** The window's soft labels, ready to publish. */
    public record Labelled(SoftLabels labels) implements Result {}

    /** The teacher produced a NaN or infinite logit at {@code position} of the window. */
    public record NonFinite(int position) implements Result {}

    private final CodecSpec codec;
    private final float temperature;
    private final TeacherIdentity identity;
    private final Codec avroCodec;

    public SoftLabelEncoder(TeacherIdentity identity, CodecSpec codec, float temperature) {
        if (!(temperature > 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite, got " + temperature);
        }
        this.identity = identity;
        this.codec = codec;
        this.temperature = temperature;
        this.avroCodec = codec.toAvro();
    }

    public CodecSpec codec() {
        return codec;
    }

    public float temperature() {
        return temperature;
    }

    /**
     * Encodes a batch: {@code logits} (B, T, V) at T = 1 for the windows right-padded to T (as {@link
     * TeacherModel#logits} returns them); only each window's real positions are read. Intermediate arrays are
     * attached to the logits' manager, the caller's per-batch scope.
     *
     * @return one result per window, in order
     */
    public List<Result> encode(NDArray logits, List<Window> windows, Instant createdAt) {
        int b = windows.size();
        int t = (int) logits.getShape().get(1);
        if (logits.getShape().get(0) != b) {
            throw new IllegalArgumentException(
                    "logits " + logits.getShape() + " for " + b + " windows: the batch sizes differ");
        }
        long[] targets = new long[b * t];
        Arrays.fill(targets, Padding.input(Padding.PAD)); // padded positions are never read
        for (int i = 0; i < b; i++) {
            int[] tokens = windows.get(i).tokens();
            if (tokens.length - 1 > t) {
                throw new IllegalArgumentException(
                        "window " + i + " has " + (tokens.length - 1) + " positions, the logits " + t);
            }
            for (int j = 0; j < tokens.length - 1; j++) {
                targets[i * t + j] = tokens[j + 1];
            }
        }
        NDManager scope = logits.getManager();
        NDArray scaled = logits.div(temperature); // (B, T, V) z / T
        // (B, T, 1) logsumexp(z/T); NaN wherever a logit of the position is NaN or +inf, so checking it checks the
        // whole row of V logits in one number
        NDArray lse = logSumExp(scaled);
        float[] logSumExp = lse.toFloatArray(); // (B, T)
        Encoder encoder = codec.kind() == CodecKind.TOPK ? topK(scaled, lse, logSumExp, t) : sampled(scaled, t);
        // The teacher's own cross-entropy at T = 1 on each position, logsumexp(z) - z[target], so students can
        // report it beside theirs; at T = 1 the log-sum-exp above is that one.
        NDArray lseAtOne = temperature == 1f ? lse : logSumExp(logits);
        float[] targetNats = lseAtOne.sub(logits.gather(scope.create(targets, new Shape(b, t, 1)), -1))
                .toFloatArray(); // (B, T)
        List<Result> results = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            Window window = windows.get(i);
            int bad = firstNonFinite(logSumExp, i * t, window.positions());
            if (bad < 0) {
                bad = encoder.firstNonFinite(i, window.positions());
            }
            results.add(
                    bad >= 0
                            ? new NonFinite(bad)
                            : new Labelled(record(
                                    window,
                                    encoder.encode(i, window),
                                    sum(targetNats, i * t, window.positions()),
                                    createdAt)));
        }
        return results;
    }

    /** (B, T, 1) log-sum-exp over the last axis; max propagates NaN and inf - inf is NaN, so bad rows stay NaN. */
    private static NDArray logSumExp(NDArray z) {
        NDArray max = z.max(new int[] {-1}, true);
        return z.sub(max).exp().sum(new int[] {-1}, true).log().add(max);
    }

    /** Packs the payload of batch row {@code row}, whose real positions are the window's. */
    private interface Encoder {
        /** The first of the row's positions whose payload would not be finite, or -1. */
        int firstNonFinite(int row, int positions);

        SoftLabelPayload.Packed encode(int row, Window window);
    }

    private Encoder topK(NDArray scaled, NDArray lse, float[] logSumExp, int t) {
        int k = codec.size();
        NDList top = scaled.topK(k, -1); // values (B, T, k), ids (B, T, k) int64
        float[] logProbs = top.get(0).sub(lse).toFloatArray(); // (B, T, k) log p_T
        long[] ids = top.get(1).toLongArray();
        return new Encoder() {
            /** A -inf logit is harmless (probability 0) unless fewer than K are finite and it makes the top K. */
            @Override
            public int firstNonFinite(int row, int positions) {
                for (int j = 0; j < positions; j++) {
                    int base = (row * t + j) * k;
                    for (int m = 0; m < k; m++) {
                        if (!Float.isFinite(logProbs[base + m])) {
                            return j;
                        }
                    }
                }
                return -1;
            }

            @Override
            public SoftLabelPayload.Packed encode(int row, Window window) {
                int positions = window.positions();
                int[][] positionIds = new int[positions][k];
                float[][] positionLogProbs = new float[positions][k];
                float[] positionLse = new float[positions];
                for (int j = 0; j < positions; j++) {
                    int base = (row * t + j) * k;
                    for (int m = 0; m < k; m++) {
                        positionIds[j][m] = (int) ids[base + m];
                        positionLogProbs[j][m] = logProbs[base + m];
                    }
                    positionLse[j] = logSumExp[row * t + j];
                }
                return SoftLabelPayload.packTopK(positionIds, positionLogProbs, positionLse);
            }
        };
    }

    private Encoder sampled(NDArray scaled, int t) {
        int v = (int) scaled.getShape().get(2);
        int n = codec.size();
        float[] probs = scaled.softmax(-1).toFloatArray(); // (B, T, V) p_T
        return new Encoder() {
            /** A finite log-sum-exp (checked by the caller) makes every probability finite. */
            @Override
            public int firstNonFinite(int row, int positions) {
                return -1;
            }

            @Override
            public SoftLabelPayload.Packed encode(int row, Window window) {
                int positions = window.positions();
                int[][] ids = new int[positions][];
                int[][] counts = new int[positions][];
                double[] cdf = new double[v];
                int[] drawn = new int[v];
                SplittableRandom random = new SplittableRandom(drawSeed(window.sampleId(), window.index()));
                for (int j = 0; j < positions; j++) {
                    int base = (row * t + j) * v;
                    double total = 0;
                    for (int id = 0; id < v; id++) {
                        total += probs[base + id];
                        cdf[id] = total;
                    }
                    Arrays.fill(drawn, 0);
                    int distinct = 0;
                    for (int draw = 0; draw < n; draw++) {
                        int id = search(cdf, random.nextDouble() * total);
                        if (drawn[id]++ == 0) {
                            distinct++;
                        }
                    }
                    ids[j] = new int[distinct];
                    counts[j] = new int[distinct];
                    for (int id = 0, m = 0; m < distinct; id++) {
                        if (drawn[id] > 0) {
                            ids[j][m] = id;
                            counts[j][m++] = drawn[id];
                        }
                    }
                }
                return SoftLabelPayload.packSampled(ids, counts);
            }
        };
    }

    /** The first id whose cumulative probability exceeds {@code u}; ids of zero probability are never chosen. */
    private static int search(double[] cdf, double u) {
        int lo = 0;
        int hi = cdf.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cdf[mid] > u) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** A 64-bit seed from the sample id (FNV-1a of its UTF-8 bytes) and the window index. */
    static long drawSeed(String sampleId, int window) {
        long h = 0xcbf29ce484222325L;
        for (byte b : sampleId.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h ^ (window * 0x9E3779B97F4A7C15L);
    }

    private static int firstNonFinite(float[] values, int offset, int positions) {
        for (int j = 0; j < positions; j++) {
            if (!Float.isFinite(values[offset + j])) {
                return j;
            }
        }
        return -1;
    }

    private static float sum(float[] values, int offset, int count) {
        double total = 0;
        for (int j = 0; j < count; j++) {
            total += values[offset + j];
        }
        return (float) total;
    }

    private SoftLabels record(Window window, SoftLabelPayload.Packed payload, float targetNats, Instant createdAt) {
        List<Integer> tokens = new ArrayList<>(window.tokens().length);
        for (int token : window.tokens()) {
            tokens.add(token);
        }
        return SoftLabels.newBuilder()
                .setSampleId(window.sampleId())
                .setWindow(window.index())
                .setTokens(tokens)
                .setTeacher(identity)
                .setTemperature(temperature)
                .setCodec(avroCodec)
                .setIds(payload.ids())
                .setValues(payload.values())
                .setLogSumExp(payload.logSumExp())
                .setCreatedAt(createdAt)
                .setTargetNats(targetNats)
                .build();
    }
}
