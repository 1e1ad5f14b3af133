package io.distill.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.distill.lm.Autograd;
import io.distill.lm.model.Gpt;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.tokenize.Padding;
import io.distill.lm.tokenize.Tokenizer;
import io.distill.schemas.TeacherIdentity;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The teacher: a loaded model, its tokenizer and its identity (model id and version), which every soft label carries
 * together with the tokenizer's id, checksum and vocabulary size so a student can refuse labels it cannot use.
 *
 * <p>The model is only read (inference under no-grad), so one instance may serve every stream task and thread.
 */
public record TeacherModel(Gpt model, Tokenizer tokenizer, String modelId, String modelVersion) {

    /** A teacher of the project's own byte-level models. */
    public TeacherModel(Gpt model, String modelId, String modelVersion) {
        this(model, ByteTokenizer.get(), modelId, modelVersion);
    }

    public TeacherModel {
        Objects.requireNonNull(model, "model");
        if (modelId == null || modelId.isBlank()) {
            throw new IllegalArgumentException("a teacher needs a model id");
        }
        if (modelVersion == null || modelVersion.isBlank()) {
            throw new IllegalArgumentException("a teacher needs a model version");
        }
        // The model may have more rows than the tokenizer has ids (Qwen2 pads its embedding), never fewer.
        if (tokenizer.vocabSize() > model.config().vocab()) {
            throw new IllegalArgumentException(
                    "the teacher's vocabulary (" + model.config().vocab() + ") is smaller than its tokenizer's "
                            + tokenizer.id() + " (" + tokenizer.vocabSize() + ")");
        }
    }

    /** A document's token ids as the model was trained to see them (with BOS first when its tokenizer adds it). */
    public int[] tokenize(String text) {
        return tokenizer.encodeDocument(text);
    }

    public int vocabSize() {
        return model.config().vocab();
    }

    /** Longest window, in positions, the model accepts. */
    public int context() {
        return model.config().context();
    }

    public TeacherIdentity identity() {
        return TeacherIdentity.newBuilder()
                .setModelId(modelId)
                .setModelVersion(modelVersion)
                .setTokenizerId(tokenizer.id())
                .setTokenizerChecksum(tokenizer.checksum())
                .setVocabSize(vocabSize())
                .build();
    }

    /**
     * The model's logits (B, T, V) at T = 1 for a batch of windows of L + 1 tokens, each fed its first L tokens,
     * right-padded with {@link Padding#PAD} to the longest: attention is causal, so padding never changes the
     * logits of a window's real positions. (Rows of a batch never mix, but within a row a non-finite key at a later
     * position reaches earlier ones too, since NaN plus the causal mask's -inf is NaN: a model that goes non-finite
     * there loses the whole padded row.)
     *
     * <p>Runs under {@link Autograd#noGrad()} (grad mode is on by default on threads other than the engine's); the
     * result is owned by {@code scope}. libtorch on the CPU computes eagerly, so the forward pass is done when this
     * returns.
     */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    public NDArray logits(NDManager scope, List<int[]> windows) {
        int b = windows.size();
        int t = windows.stream().mapToInt(w -> w.length - 1).max().orElseThrow();
        if (t < 1 || t > context()) {
            throw new IllegalArgumentException("windows must have 1 to " + context() + " positions, got " + t);
        }
        long[] inputs = new long[b * t];
        Arrays.fill(inputs, Padding.input(Padding.PAD));
        for (int i = 0; i < b; i++) {
            int[] tokens = windows.get(i);
            for (int j = 0; j < tokens.length - 1; j++) {
                inputs[i * t + j] = tokens[j];
            }
        }
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            NDArray tokens = scope.create(inputs, new Shape(b, t)); // (B, T) int64
            return model.logits(new ParameterStore(scope, false), tokens, false); // (B, T, V)
        }
    }
}
