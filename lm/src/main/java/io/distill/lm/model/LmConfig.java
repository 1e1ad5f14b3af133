package io.distill.lm.model;

import io.distill.lm.tokenize.ByteTokenizer;
import java.util.List;

/**
 * Shape of a {@link Gpt}: the one immutable object every model constructor takes (nanoGPT's {@code GPTConfig}).
 * Model families differ by a few switches, so one config with those switches describes them all: the project's
 * own byte-level GPT ({@link #gpt}), GPT-2, Llama and Qwen2 are each one setting of {@link Attention}, {@link Mlp},
 * {@link Norm}, {@link Positions} and {@code tiedEmbeddings}.
 *
 * @param layers number of decoder blocks
 * @param dModel width of the residual stream (C)
 * @param context longest sequence the model accepts (learned positions exist for this many)
 * @param vocab number of token ids (logits per position)
 * @param attention head layout and biases of the attention sublayer
 * @param mlp activation, width and biases of the MLP sublayer
 * @param norm the normalisation before each sublayer and at the end
 * @param positions learned position embeddings or rotary embeddings
 * @param tiedEmbeddings whether the output head is the token embedding (else a separate {@code lmHead} matrix)
 * @param dropout dropout rate on embeddings and residual branches while training; 0 disables it (the named sizes
 *     use 0: a stream is not repeated, so there is nothing to overfit)
 */
public record LmConfig(
        int layers,
        int dModel,
        int context,
        int vocab,
        Attention attention,
        Mlp mlp,
        Norm norm,
        Positions positions,
        boolean tiedEmbeddings,
        float dropout) {

    /** Sizes by name, chosen for a 2-core CPU; all use the byte tokenizer's vocabulary. */
    public static final List<String> NAMES = List.of("tiny", "student-1m", "teacher-15m");

    public LmConfig {
        requirePositive("layers", layers);
        requirePositive("dModel", dModel);
        requirePositive("context", context);
        requirePositive("vocab", vocab);
        if (attention == null || mlp == null || norm == null || positions == null) {
            throw new IllegalArgumentException("attention, mlp, norm and positions are required");
        }
        if (positions.kind() == Positions.Kind.ROPE && attention.headDim() % 2 != 0) {
            throw new IllegalArgumentException(
                    "rotary embeddings need an even head dimension, got " + attention.headDim());
        }
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
    }

    /**
     * The project's own GPT: GPT-2 blocks (LayerNorm, biases everywhere, exact GELU MLP of width 4C), learned
     * positions, output tied to the token embedding.
     */
    public static LmConfig gpt(int layers, int heads, int dModel, int context, int vocab, float dropout) {
        requirePositive("heads", heads);
        if (dModel % heads != 0) {
            throw new IllegalArgumentException("dModel " + dModel + " is not divisible by heads " + heads);
        }
        return new LmConfig(
                layers,
                dModel,
                context,
                vocab,
                new Attention(heads, heads, dModel / heads, true, true),
                new Mlp(Mlp.Activation.GELU, 4 * dModel, true),
                new Norm(Norm.Kind.LAYER_NORM, 1e-5f),
                Positions.learned(),
                true,
                dropout);
    }

    /**
     * A named size: {@code tiny} (~36k parameters, for tests), {@code student-1m} (~1.06M), {@code teacher-15m}
     * (~14.4M).
     */
    public static LmConfig named(String name) {
        int vocab = ByteTokenizer.VOCAB_SIZE;
        return switch (name) {
            case "tiny" -> gpt(2, 2, 32, 64, vocab, 0f);
            case "student-1m" -> gpt(5, 4, 128, 256, vocab, 0f);
            case "teacher-15m" -> gpt(8, 6, 384, 256, vocab, 0f);
            default -> throw new IllegalArgumentException("unknown model size '" + name + "', known: " + NAMES);
        };
    }

    public int heads() {
        return attention.heads();
    }

    public int headDim() {
        return attention.headDim();
    }

    /** This config with other layers count, e.g. for a depth-pruned student. */
    public LmConfig withLayers(int newLayers) {
        return new LmConfig(
                newLayers, dModel, context, vocab, attention, mlp, norm, positions, tiedEmbeddings, dropout);
    }

    /** This config with another context length. */
    public LmConfig withContext(int newContext) {
        return new LmConfig(
                layers, dModel, newContext, vocab, attention, mlp, norm, positions, tiedEmbeddings, dropout);
    }

    /**
     * Number of trainable scalars: the token embedding {@code V*C}, learned positions {@code context*C}, an untied
     * head {@code V*C}; per block two norms, the q/k/v and output projections, the MLP; the final norm.
     */
    public long parameterCount() {
        long c = dModel;
        long qkvRows = (long) (attention.heads() + 2 * attention.kvHeads()) * attention.headDim();
        long attnOut = (long) attention.heads() * attention.headDim();
        long attn = qkvRows * c + (attention.qkvBias() ? qkvRows : 0) + attnOut * c + (attention.outBias() ? c : 0);
        long fcRows = (mlp.activation() == Mlp.Activation.SWIGLU ? 2L : 1L) * mlp.hidden();
        long mlpParams = fcRows * c + mlp.hidden() * c + (mlp.bias() ? fcRows + c : 0);
        long perBlock = 2 * norm.parameters(dModel) + attn + mlpParams;
        long embeddings = (long) vocab * c
                + (positions.kind() == Positions.Kind.LEARNED ? (long) context * c : 0)
                + (tiedEmbeddings ? 0 : (long) vocab * c);
        return embeddings + layers * perBlock + norm.parameters(dModel);
    }

    public String toJson() {
        return LmConfigJson.write(this);
    }

    /**
     * Parses what {@link #toJson} writes, and the flat layout of the project's own GPT that earlier versions wrote
     * ({@code {"layers", "heads", "dModel", "context", "vocab", "dropout"}}); unknown keys are refused.
     */
    public static LmConfig fromJson(String json) {
        return LmConfigJson.read(json);
    }

    static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    /**
     * The attention sublayer's layout: {@code heads} query heads share {@code kvHeads} key/value heads
     * (grouped-query attention when fewer), each {@code headDim} wide.
     *
     * @param qkvBias whether the q, k and v projections have biases (GPT-2, Qwen2)
     * @param outBias whether the output projection has a bias (GPT-2)
     */
    public record Attention(int heads, int kvHeads, int headDim, boolean qkvBias, boolean outBias) {
        public Attention {
            requirePositive("heads", heads);
            requirePositive("kvHeads", kvHeads);
            requirePositive("headDim", headDim);
            if (heads % kvHeads != 0) {
                throw new IllegalArgumentException(
                        "heads " + heads + " is not a multiple of key/value heads " + kvHeads);
            }
        }
    }

    /**
     * The MLP sublayer.
     *
     * @param hidden the inner width (4C in GPT-2, {@code intermediate_size} in Llama)
     * @param bias whether both projections have biases
     */
    public record Mlp(Activation activation, int hidden, boolean bias) {
        public Mlp {
            requirePositive("mlp hidden", hidden);
            if (activation == null) {
                throw new IllegalArgumentException("mlp activation is required");
            }
        }

        public enum Activation {
            /** {@code proj(gelu(fc(x)))}, exact (erf) GELU: the project's own GPT. */
            GELU,
            /** {@code proj(gelu_tanh(fc(x)))}: GPT-2's {@code gelu_new}. */
            GELU_TANH,
            /** {@code down(silu(gate(x)) * up(x))}: Llama's SwiGLU; {@code fc} holds gate then up. */
            SWIGLU
        }
    }

    /** LayerNorm (scale and shift) or RMSNorm (scale only), with its epsilon. */
    public record Norm(Kind kind, float eps) {
        public Norm {
            if (kind == null || !(eps > 0f)) {
                throw new IllegalArgumentException("norm needs a kind and a positive epsilon");
            }
        }

        long parameters(long width) {
            return kind == Kind.LAYER_NORM ? 2 * width : width;
        }

        public enum Kind {
            LAYER_NORM,
            RMS_NORM
        }
    }

    /**
     * Learned position embeddings, or rotary embeddings (Hugging Face's rotate-half layout) with base {@code theta}
     * and optional Llama 3 frequency scaling.
     */
    public record Positions(Kind kind, double theta, RopeScaling scaling) {
        public Positions {
            if (kind == null) {
                throw new IllegalArgumentException("positions kind is required");
            }
            if (kind == Kind.ROPE && !(theta > 0)) {
                throw new IllegalArgumentException("rope theta must be positive, got " + theta);
            }
        }

        public static Positions learned() {
            return new Positions(Kind.LEARNED, 0, null);
        }

        public static Positions rope(double theta, RopeScaling scaling) {
            return new Positions(Kind.ROPE, theta, scaling);
        }

        public enum Kind {
            LEARNED,
            ROPE
        }
    }

    /** Llama 3's {@code rope_scaling} ({@code rope_type: llama3}). */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalContext) {
        public RopeScaling {
            if (!(factor > 0) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || originalContext <= 0) {
                throw new IllegalArgumentException("llama3 rope_scaling needs factor > 0, 0 < low_freq_factor"
                        + " < high_freq_factor and original_max_position_embeddings > 0");
            }
        }
    }
}
