package io.distill.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.distill.lm.Autograd;
import io.distill.lm.ByteTokenizer;
import io.distill.lm.Gpt;
import io.distill.schemas.Codec;
import io.distill.schemas.CodecKind;
import io.distill.schemas.SoftLabelPayload;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TeacherIdentity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Makes {@link SoftLabels} records from a model in this process, the way the teacher service labels text: windows of
 * {@code length + 1} tokens with stride {@code length}, the model's distribution at temperature T per position,
 * packed by a top-k or sampled codec, and the model's own cross-entropy at T = 1 as {@code targetNats}. For the
 * trainer's benchmark and tests, where a stand-in teacher is needed without the teacher service.
 */
public final class LocalTeacher {

    private final Gpt model;
    private final NDManager manager;
    private final TeacherIdentity identity;

    public LocalTeacher(Gpt model, NDManager manager, String modelId) {
        this.model = model;
        this.manager = manager;
        ByteTokenizer tokenizer = ByteTokenizer.get();
        this.identity = TeacherIdentity.newBuilder()
                .setModelId(modelId)
                .setModelVersion("1")
                .setTokenizerId(tokenizer.id())
                .setTokenizerChecksum(tokenizer.checksum())
                .setVocabSize(tokenizer.vocabSize())
                .build();
    }

    public TeacherIdentity identity() {
        return identity;
    }

    /**
     * Labels a document: {@code BOS} followed by its bytes, cut into windows of at most {@code length} positions.
     *
     * @param kind top-k or sampled
     * @param size K or N
     * @param seed for the sampled codec's draws
     */
    public List<SoftLabels> label(
            String sampleId, String text, int length, CodecKind kind, int size, float temperature, long seed) {
        if (length < 1 || length > model.config().context()) {
            throw new IllegalArgumentException(
                    "window length must be in [1, " + model.config().context() + "], got " + length);
        }
        int[] bytes = ByteTokenizer.get().encode(text);
        int[] tokens = new int[bytes.length + 1];
        tokens[0] = ByteTokenizer.BOS;
        System.arraycopy(bytes, 0, tokens, 1, bytes.length);
        SplittableRandom random = new SplittableRandom(seed);
        List<SoftLabels> out = new ArrayList<>();
        for (int start = 0, w = 0; start + 1 < tokens.length; start += length, w++) {
            int[] window = Arrays.copyOfRange(tokens, start, Math.min(tokens.length, start + length + 1));
            out.add(labelWindow(sampleId, w, window, kind, size, temperature, random));
        }
        return out;
    }

    /** Labels one window of L + 1 tokens. */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    public SoftLabels labelWindow(
            String sampleId,
            int windowIndex,
            int[] window,
            CodecKind kind,
            int size,
            float temperature,
            SplittableRandom random) {
        int l = window.length - 1;
        int v = model.config().vocab();
        float[] logits;
        try (NDManager scope = manager.newSubManager();
                Autograd.NoGrad noGrad = Autograd.noGrad()) {
            long[] ids = new long[l];
            for (int j = 0; j < l; j++) {
                ids[j] = window[j];
            }
            NDArray out = model.logits(new ParameterStore(scope, false), scope.create(ids, new Shape(1, l)), false);
            logits = out.toFloatArray(); // (1, L, V)
        }
        int[][] topIds = new int[l][];
        float[][] topLogProbs = new float[l][];
        int[][] counts = new int[l][];
        float[] lse = new float[l];
        double targetNats = 0;
        for (int t = 0; t < l; t++) {
            float[] z = Arrays.copyOfRange(logits, t * v, (t + 1) * v);
            targetNats += logSumExp(z, 1f) - z[window[t + 1]];
            lse[t] = (float) logSumExp(z, temperature);
            if (kind == CodecKind.TOPK) {
                topIds[t] = topK(z, size);
                topLogProbs[t] = new float[size];
                for (int j = 0; j < size; j++) {
                    topLogProbs[t][j] = z[topIds[t][j]] / temperature - lse[t];
                }
            } else {
                Map<Integer, Integer> drawn = draw(z, temperature, lse[t], size, random);
                topIds[t] = drawn.keySet().stream().mapToInt(Integer::intValue).toArray();
                counts[t] = Arrays.stream(topIds[t]).map(drawn::get).toArray();
            }
        }
        SoftLabelPayload.Packed packed = kind == CodecKind.TOPK
                ? SoftLabelPayload.packTopK(topIds, topLogProbs, lse)
                : SoftLabelPayload.packSampled(topIds, counts);
        List<Integer> tokenList = new ArrayList<>(window.length);
        for (int id : window) {
            tokenList.add(id);
        }
        return SoftLabels.newBuilder()
                .setSampleId(sampleId)
                .setWindow(windowIndex)
                .setTokens(tokenList)
                .setTeacher(identity)
                .setTemperature(temperature)
                .setCodec(Codec.newBuilder().setKind(kind).setSize(size).build())
                .setIds(packed.ids())
                .setValues(packed.values())
                .setLogSumExp(packed.logSumExp())
                .setCreatedAt(Instant.now())
                .setTargetNats((float) targetNats)
                .build();
    }

    private static double logSumExp(float[] z, float temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : z) {
            max = Math.max(max, x / temperature);
        }
        double sum = 0;
        for (float x : z) {
            sum += Math.exp(x / temperature - max);
        }
        return max + Math.log(sum);
    }

    /** Indices of the k largest values. */
    private static int[] topK(float[] z, int k) {
        Integer[] order = new Integer[z.length];
        for (int i = 0; i < z.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(z[b], z[a]));
        int[] out = new int[k];
        for (int j = 0; j < k; j++) {
            out[j] = order[j];
        }
        return out;
    }

    /** n draws from softmax(z / T): distinct ids and their counts. */
    private static Map<Integer, Integer> draw(
            float[] z, float temperature, double lse, int n, SplittableRandom random) {
        double[] cdf = new double[z.length];
        double acc = 0;
        for (int i = 0; i < z.length; i++) {
            acc += Math.exp(z[i] / temperature - lse);
            cdf[i] = acc;
        }
        Map<Integer, Integer> counts = new HashMap<>();
        for (int d = 0; d < n; d++) {
            double u = random.nextDouble() * acc;
            int i = Arrays.binarySearch(cdf, u);
            int id = Math.min(z.length - 1, i >= 0 ? i : -i - 1);
            counts.merge(id, 1, Integer::sum);
        }
        return counts;
    }
}
