package io.distill.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.distill.lm.Autograd;
import io.distill.lm.ByteTokenizer;
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
 * Runs the teacher on a batch of windows in one forward pass and encodes each window's next-token distributions at
 * temperature T with the codec:
 *
 * <ul>
 *   <li>{@code topk:K}: the K largest z/T per position, as log p_T = z/T - logsumexp(z/T), plus that log-sum-exp,
 *       so the kept probabilities are exact and the tail mass is known.
 *   <li>{@code sampled:N}: N draws from p_T = softmax(z/T) per position, as distinct ids and counts. The draws are
 *       seeded from (sample id, window), so a replay of the same window draws the same ids.
 * </ul>
 *
 * Windows of different lengths share a batch, right-padded: attention is causal, so padding never changes the
 * logits of the real positions, and only those are read. A window with a NaN or infinite logit at any real
 * position is not encoded (a -inf is let through only where it cannot reach the wire: outside the top K, or as a
 * probability of 0 to sample from); it comes back as {@link NonFinite}. (Rows of a batch never mix, but within a row a
 * non-finite key at a later position reaches earlier ones too, since NaN plus the causal mask's -inf is NaN: a
 * model that goes non-finite there loses the whole padded row, which is then reported, never published.)
 *
 * <p>Not thread-safe: one per stream task. Every array of a batch lives in a sub-manager closed when the batch is
 * done, and the forward pass runs under {@link Autograd#noGrad()} (grad mode is on by default on Kafka's threads).
 */
final class SoftLabeler implements AutoCloseable {

    /** What became of one window. */
    sealed interface Outcome permits Labelled, NonFinite {
        PendingWindow window();
    }

    /** The window's soft labels, ready to publish. */
    record Labelled(PendingWindow window, SoftLabels labels) implements Outcome {}

    /** The teacher produced a NaN or infinite logit at {@code position} of the window. */
    record NonFinite(PendingWindow window, int position) implements Outcome {}

    private final TeacherModel teacher;
    private final CodecSpec codec;
    private final float temperature;
    private final TeacherIdentity identity;
    private final Codec avroCodec;
    private final NDManager manager;

    SoftLabeler(TeacherModel teacher, CodecSpec codec, float temperature) {
        this.teacher = teacher;
        this.codec = codec;
        this.temperature = temperature;
        this.identity = teacher.identity();
        this.avroCodec = codec.toAvro();
        this.manager = NDManager.newBaseManager();
    }

    /**
     * The outcomes of one batch, one per window in order, and how long the model's forward pass alone took (the
     * rest of the call is the codec: top-k or sampling, copying out, packing).
     */
    record Batch(List<Outcome> outcomes, long forwardNanos) {}

    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    Batch label(List<PendingWindow> windows, Instant createdAt) {
        int b = windows.size();
        int t = windows.stream().mapToInt(PendingWindow::positions).max().orElseThrow();
        long[] inputs = new long[b * t];
        long[] targets = new long[b * t];
        Arrays.fill(inputs, ByteTokenizer.PAD);
        Arrays.fill(targets, ByteTokenizer.PAD);
        for (int i = 0; i < b; i++) {
            int[] tokens = windows.get(i).tokens();
            for (int j = 0; j < tokens.length - 1; j++) {
                inputs[i * t + j] = tokens[j];
                targets[i * t + j] = tokens[j + 1];
            }
        }
        try (NDManager scope = manager.newSubManager();
                Autograd.NoGrad noGrad = Autograd.noGrad()) {
            NDArray tokens = scope.create(inputs, new Shape(b, t)); // (B, T) int64
            long start = System.nanoTime();
            // (B, T, V); libtorch on the CPU computes eagerly, so the forward pass is done when this returns
            NDArray logits = teacher.model().logits(new ParameterStore(scope, false), tokens, false);
            long forwardNanos = System.nanoTime() - start;
            NDArray scaled = logits.div(temperature); // (B, T, V) z / T
            NDArray max = scaled.max(new int[] {-1}, true); // (B, T, 1)
            // (B, T, 1) logsumexp(z/T); NaN wherever a logit of the position is NaN or +inf (max propagates NaN,
            // and inf - inf is NaN), so checking it checks the whole row of V logits in one number
            NDArray lse = scaled.sub(max).exp().sum(new int[] {-1}, true).log().add(max);
            float[] logSumExp = lse.toFloatArray(); // (B, T)
            Encoder encoder = codec.kind() == CodecKind.TOPK ? topK(scaled, lse, logSumExp, t) : sampled(scaled, t);
            // The teacher's own cross-entropy at T = 1 on each position, so students can report it beside theirs.
            float[] targetNats = logits.logSoftmax(-1)
                    .gather(scope.create(targets, new Shape(b, t, 1)), -1)
                    .neg()
                    .toFloatArray(); // (B, T)
            List<Outcome> outcomes = new ArrayList<>(b);
            for (int i = 0; i < b; i++) {
                PendingWindow window = windows.get(i);
                int bad = firstNonFinite(logSumExp, i * t, window.positions());
                if (bad < 0) {
                    bad = encoder.firstNonFinite(i, window.positions());
                }
                outcomes.add(
                        bad >= 0
                                ? new NonFinite(window, bad)
                                : new Labelled(
                                        window,
                                        record(
                                                window,
                                                encoder.encode(i, window),
                                                sum(targetNats, i * t, window.positions()),
                                                createdAt)));
            }
            return new Batch(outcomes, forwardNanos);
        }
    }

    /** Packs the payload of batch row {@code row}, whose real positions are the window's. */
    private interface Encoder {
        /** The first of the row's positions whose payload would not be finite, or -1. */
        int firstNonFinite(int row, int positions);

        SoftLabelPayload.Packed encode(int row, PendingWindow window);
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
            public SoftLabelPayload.Packed encode(int row, PendingWindow window) {
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
        int v = teacher.vocabSize();
        int n = codec.size();
        float[] probs = scaled.softmax(-1).toFloatArray(); // (B, T, V) p_T
        return new Encoder() {
            /** A finite log-sum-exp (checked by the caller) makes every probability finite. */
            @Override
            public int firstNonFinite(int row, int positions) {
                return -1;
            }

            @Override
            public SoftLabelPayload.Packed encode(int row, PendingWindow window) {
                int positions = window.positions();
                int[][] ids = new int[positions][];
                int[][] counts = new int[positions][];
                double[] cdf = new double[v];
                int[] drawn = new int[v];
                SplittableRandom random = new SplittableRandom(drawSeed(window.sampleId(), window.window()));
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

    private SoftLabels record(
            PendingWindow window, SoftLabelPayload.Packed payload, float targetNats, Instant createdAt) {
        List<Integer> tokens = new ArrayList<>(window.tokens().length);
        for (int token : window.tokens()) {
            tokens.add(token);
        }
        return SoftLabels.newBuilder()
                .setSampleId(window.sampleId())
                .setWindow(window.window())
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

    @Override
    public void close() {
        manager.close();
    }
}
