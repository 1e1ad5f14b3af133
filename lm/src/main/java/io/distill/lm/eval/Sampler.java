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

    /**
     * Continuations of several prompts of one length at once: one forward pass of the whole batch per new token, so
     * the cost of {@code maxNewTokens} tokens is {@code maxNewTokens} batched passes whatever the number of prompts.
     * Each row stops after its own end-of-text token (rows that stopped are still computed, their draws dropped).
     *
     * @param prompts at least one, all of the same length (at least one token)
     * @return per prompt, the new tokens, as {@link #generate} returns them
     */
    public int[][] generate(int[][] prompts, int maxNewTokens, float temperature, int topK, RandomGenerator random) {
        if (prompts.length == 0 || prompts[0].length == 0) {
            throw new IllegalArgumentException("at least one prompt of at least one token is needed");
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
        }
        int b = prompts.length;
        int p = prompts[0].length;
        int[][] seqs = new int[b][];
        for (int i = 0; i < b; i++) {
            if (prompts[i].length != p) {
                throw new IllegalArgumentException("prompts must share one length: " + prompts[i].length + " and " + p);
            }
            seqs[i] = Arrays.copyOf(prompts[i], p + maxNewTokens);
        }
        int[] ends = new int[b]; // where each row's generation ended; 0 while it runs
        int context = model.config().context();
        for (int n = p; n < p + maxNewTokens; n++) {
            float[][] logits = lastLogits(seqs, Math.max(0, n - context), n);
            boolean running = false;
            for (int i = 0; i < b; i++) {
                if (ends[i] != 0) {
                    continue;
                }
                seqs[i][n] = pick(logits[i], temperature, topK, random);
                if (eos.isPresent() && seqs[i][n] == eos.getAsInt()) {
                    ends[i] = n + 1;
                } else {
                    running = true;
                }
            }
            if (!running) {
                break;
            }
        }
        int[][] out = new int[b][];
        for (int i = 0; i < b; i++) {
            out[i] = Arrays.copyOfRange(seqs[i], p, ends[i] != 0 ? ends[i] : p + maxNewTokens);
        }
        return out;
    }

    /** Logits (B, V) at the last of tokens [start, end) of each row. */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    private float[][] lastLogits(int[][] seqs, int start, int end) {
        int t = end - start;
        long[] window = new long[seqs.length * t];
        for (int i = 0; i < seqs.length; i++) {
            for (int j = start; j < end; j++) {
                window[i * t + j - start] = seqs[i][j];
            }
        }
        try (NDManager scope = manager.newSubManager();
                Autograd.NoGrad noGrad = Autograd.noGrad()) {
            NDArray ids = scope.create(window, new Shape(seqs.length, t)); // (B, T)
            NDArray logits = model.logits(parameterStore, ids, false); // (B, T, V)
            float[] last = logits.get(":, " + (t - 1) + ", :").toFloatArray(); // (B, V)
            int v = last.length / seqs.length;
            float[][] rows = new float[seqs.length][];
            for (int i = 0; i < seqs.length; i++) {
                rows[i] = Arrays.copyOfRange(last, i * v, (i + 1) * v);
            }
            return rows;
        }
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
