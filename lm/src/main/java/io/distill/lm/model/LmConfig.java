package io.distill.lm.model;

import io.distill.lm.FlatJson;
import io.distill.lm.tokenize.ByteTokenizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Shape of a {@link Gpt}: the one immutable object every model constructor takes (nanoGPT's {@code GPTConfig}).
 *
 * @param layers number of decoder blocks
 * @param heads attention heads per block; must divide {@code dModel}
 * @param dModel width of the residual stream (C)
 * @param context longest sequence the model accepts (learned position embeddings exist for this many positions)
 * @param vocab number of token ids (logits per position)
 * @param dropout dropout rate on embeddings, attention weights and residual branches while training; 0 disables it
 *     (the named sizes use 0: a stream is not repeated, so there is nothing to overfit)
 */
public record LmConfig(int layers, int heads, int dModel, int context, int vocab, float dropout) {

    /** Sizes by name, chosen for a 2-core CPU; all use the byte tokenizer's vocabulary. */
    public static final List<String> NAMES = List.of("tiny", "student-1m", "teacher-15m");

    private static final Set<String> JSON_KEYS = Set.of("layers", "heads", "dModel", "context", "vocab", "dropout");

    public LmConfig {
        requirePositive("layers", layers);
        requirePositive("heads", heads);
        requirePositive("dModel", dModel);
        requirePositive("context", context);
        requirePositive("vocab", vocab);
        if (dModel % heads != 0) {
            throw new IllegalArgumentException("dModel " + dModel + " is not divisible by heads " + heads);
        }
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
    }

    /**
     * A named size: {@code tiny} (~36k parameters, for tests), {@code student-1m} (~1.06M), {@code teacher-15m}
     * (~14.4M).
     */
    public static LmConfig named(String name) {
        int vocab = ByteTokenizer.VOCAB_SIZE;
        return switch (name) {
            case "tiny" -> new LmConfig(2, 2, 32, 64, vocab, 0f);
            case "student-1m" -> new LmConfig(5, 4, 128, 256, vocab, 0f);
            case "teacher-15m" -> new LmConfig(8, 6, 384, 256, vocab, 0f);
            default -> throw new IllegalArgumentException("unknown model size '" + name + "', known: " + NAMES);
        };
    }

    public int headDim() {
        return dModel / heads;
    }

    /**
     * Number of trainable scalars: embeddings {@code V*C + context*C}; per block two LayerNorms {@code 4C}, qkv
     * {@code 3C*C + 3C}, attention projection {@code C*C + C}, MLP {@code 4C*C + 4C + 4C*C + C}; final LayerNorm
     * {@code 2C}. The output projection is tied to the token embedding and adds nothing.
     */
    public long parameterCount() {
        long c = dModel;
        long perBlock = 12 * c * c + 13 * c;
        return (long) vocab * c + (long) context * c + layers * perBlock + 2 * c;
    }

    public String toJson() {
        Map<String, Number> fields = new LinkedHashMap<>();
        fields.put("layers", layers);
        fields.put("heads", heads);
        fields.put("dModel", dModel);
        fields.put("context", context);
        fields.put("vocab", vocab);
        fields.put("dropout", dropout);
        return FlatJson.write(fields);
    }

    /** Parses what {@link #toJson} writes; every key is required and unknown keys are refused. */
    public static LmConfig fromJson(String json) {
        Map<String, String> f = FlatJson.read(json);
        if (!f.keySet().equals(JSON_KEYS)) {
            throw new IllegalArgumentException("model config keys must be " + JSON_KEYS + ", got " + f.keySet());
        }
        return new LmConfig(
                intField(f, "layers"),
                intField(f, "heads"),
                intField(f, "dModel"),
                intField(f, "context"),
                intField(f, "vocab"),
                Float.parseFloat(f.get("dropout")));
    }

    private static int intField(Map<String, String> fields, String key) {
        try {
            return Integer.parseInt(fields.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got " + fields.get(key), e);
        }
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
