package io.distill.lm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.distill.lm.model.LmConfig.RopeScaling;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rotary position embeddings in Hugging Face's rotate-half layout ({@code LlamaRotaryEmbedding} and {@code
 * apply_rotary_pos_emb} in transformers' {@code modeling_llama.py}): for position {@code p} and frequency {@code
 * f_i = theta^(-2i / hd)}, {@code cos} and {@code sin} of {@code p * f_i}, repeated for both halves of the head, so
 * {@code rope(x) = x * cos + rotate_half(x) * sin} with {@code rotate_half(x) = cat(-x[hd/2:], x[:hd/2])}.
 *
 * <p>The frequencies are computed in fp32 as PyTorch does, including Llama 3's smooth scaling of the low
 * frequencies ({@code _compute_llama3_parameters} in {@code modeling_rope_utils.py}).
 */
public final class RotaryEmbedding {

    /** cos and sin, each (T, hd) fp32. */
    public record Tables(NDArray cos, NDArray sin) {}

    private final int headDim;
    private final float[] invFreq; // (hd / 2)
    private final ConcurrentHashMap<Integer, float[][]> byLength = new ConcurrentHashMap<>();

    public RotaryEmbedding(int headDim, double theta, RopeScaling scaling) {
        this.headDim = headDim;
        this.invFreq = frequencies(headDim, theta, scaling);
    }

    /** The tables for positions 0..t-1, owned by {@code manager}. */
    public Tables tables(NDManager manager, int t) {
        float[][] cs = byLength.computeIfAbsent(t, this::compute);
        Shape shape = new Shape(t, headDim);
        return new Tables(manager.create(cs[0], shape), manager.create(cs[1], shape));
    }

    private float[][] compute(int t) {
        float[] cos = new float[t * headDim];
        float[] sin = new float[t * headDim];
        int half = headDim / 2;
        for (int p = 0; p < t; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) p * invFreq[i]; // fp32 product, as torch.outer in fp32
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * headDim + i] = c;
                cos[p * headDim + half + i] = c;
                sin[p * headDim + i] = s;
                sin[p * headDim + half + i] = s;
            }
        }
        return new float[][] {cos, sin};
    }

    static float[] frequencies(int headDim, double theta, RopeScaling scaling) {
        int half = headDim / 2;
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) {
            // 1 / theta^(arange(0, hd, 2) / hd), each step in fp32
            float exponent = (float) (2 * i) / (float) headDim;
            inv[i] = 1f / (float) Math.pow((float) theta, exponent);
        }
        return scaling == null ? inv : llama3(inv, scaling);
    }

    /**
     * Llama 3: wavelengths longer than {@code originalContext / lowFreqFactor} are slowed by {@code factor}, shorter
     * than {@code originalContext / highFreqFactor} kept, and those between interpolated smoothly.
     */
    private static float[] llama3(float[] inv, RopeScaling s) {
        double lowFreqWavelen = s.originalContext() / s.lowFreqFactor();
        double highFreqWavelen = s.originalContext() / s.highFreqFactor();
        float[] out = new float[inv.length];
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            float f = wavelen > lowFreqWavelen ? (float) (inv[i] / s.factor()) : inv[i];
            boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            if (medium) {
                double smooth =
                        (s.originalContext() / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
                f = (float) ((1 - smooth) * f / s.factor() + smooth * f);
            }
            out[i] = f;
        }
        return out;
    }
}
