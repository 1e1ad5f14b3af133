package io.distill.lm.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.distill.lm.Autograd;
import io.distill.lm.model.Gpt;
import io.distill.lm.tokenize.ByteTokenizer;
import java.util.Arrays;
import java.util.OptionalInt;
import java.util.random.RandomGenerator;

/**
 * Autoregressive generation from a {@link Gpt}: one forward pass per new token over the last {@code context}
 * tokens (no key/value cache: the models here are small), then a draw from the last position's logits with
 * temperature and top-k, or the argmax when the temperature is 0.
 */
public final class Sampler {

    private final Gpt model;
    private final NDManager manager;
    private final ParameterStore parameterStore;
    private final OptionalInt eos;

    /** A sampler for the own byte-level models, stopping at {@link ByteTokenizer#EOS}. */
    public Sampler(Gpt model, NDManager manager) {
        this(model, manager, OptionalInt.of(ByteTokenizer.EOS));
    }

    /**
     * {@code manager} is where each step's scope is opened; it must be able to see the model's parameters. Generation
     * stops after {@code eos}, when given.
     */
    public Sampler(Gpt model, NDManager manager, OptionalInt eos) {
        this.model = model;
        this.manager = manager;
        this.parameterStore = new ParameterStore(manager, false);
        this.eos = eos;
    }

    /**
     * Up to {@code maxNewTokens} tokens following {@code prompt}; stops early after the end-of-text token, which is
     * then the last token returned.
     *
     * @param temperature 0 for greedy decoding, otherwise logits are divided by it before sampling
     * @param topK sample among the k most likely tokens only; 0 (or at least the vocabulary size) for all
     */
    public int[] generate(int[] prompt, int maxNewTokens, float temperature, int topK, RandomGenerator random) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt must hold at least one token");
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
        }
        int context = model.config().context();
        int[] seq = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
        int n = prompt.length;
        while (n < seq.length) {
            int start = Math.max(0, n - context);
            int next = pick(lastLogits(seq, start, n), temperature, topK, random);
            seq[n++] = next;
            if (eos.isPresent() && next == eos.getAsInt()) {
                break;
            }
        }
        return Arrays.copyOfRange(seq, prompt.length, n);
    }

    /** Logits (V) at the last of tokens [start, end). */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    private float[] lastLogits(int[] seq, int start, int end) {
        long[] window = new long[end - start];
        for (int i = start; i < end; i++) {
            window[i - start] = seq[i];
        }
        try (NDManager scope = manager.newSubManager();
                Autograd.NoGrad noGrad = Autograd.noGrad()) {
            NDArray ids = scope.create(window, new Shape(1, window.length)); // (1, T)
            NDArray logits = model.logits(parameterStore, ids, false); // (1, T, V)
            return logits.get(0, window.length - 1).toFloatArray(); // (V)
        }
    }

    /**
     * One token id from {@code logits}: argmax for temperature 0, else a draw from softmax(logits / temperature)
     * restricted to the {@code topK} largest logits (ties at the cut are kept).
     */
    static int pick(float[] logits, float temperature, int topK, RandomGenerator random) {
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0 and finite, got " + temperature);
        }
        if (temperature == 0f) {
            return argMax(logits);
        }
        float cut = Float.NEGATIVE_INFINITY;
        if (topK > 0 && topK < logits.length) {
            float[] sorted = logits.clone();
            Arrays.sort(sorted);
            cut = sorted[sorted.length - topK];
        }
        float max = logits[argMax(logits)];
        double[] weights = new double[logits.length];
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] >= cut) {
                weights[i] = Math.exp((logits[i] - max) / temperature);
                total += weights[i];
            }
        }
        double u = random.nextDouble() * total;
        int last = 0;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] > 0) {
                last = i;
                u -= weights[i];
                if (u < 0) {
                    return i;
                }
            }
        }
        return last; // rounding left u a hair above 0
    }

    private static int argMax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
