package io.distill.teacher;

import io.distill.lm.ByteTokenizer;
import io.distill.lm.Gpt;
import io.distill.schemas.TeacherIdentity;
import java.util.Objects;

/**
 * The teacher: a loaded model and its identity (model id and version), which every soft label carries together with
 * the tokenizer's id, checksum and vocabulary size so a student can refuse labels it cannot use.
 *
 * <p>The model is only read (inference under no-grad), so one instance may serve every stream task and thread.
 */
public record TeacherModel(Gpt model, String modelId, String modelVersion) {

    public TeacherModel {
        Objects.requireNonNull(model, "model");
        if (modelId == null || modelId.isBlank()) {
            throw new IllegalArgumentException("a teacher needs a model id");
        }
        if (modelVersion == null || modelVersion.isBlank()) {
            throw new IllegalArgumentException("a teacher needs a model version");
        }
        if (model.config().vocab() != ByteTokenizer.VOCAB_SIZE) {
            throw new IllegalArgumentException(
                    "the teacher's vocabulary (" + model.config().vocab() + ") does not match the " + ByteTokenizer.ID
                            + " tokenizer's (" + ByteTokenizer.VOCAB_SIZE + ")");
        }
    }

    public int vocabSize() {
        return model.config().vocab();
    }

    /** Longest window, in positions, the model accepts. */
    public int context() {
        return model.config().context();
    }

    public TeacherIdentity identity() {
        ByteTokenizer tokenizer = ByteTokenizer.get();
        return TeacherIdentity.newBuilder()
                .setModelId(modelId)
                .setModelVersion(modelVersion)
                .setTokenizerId(tokenizer.id())
                .setTokenizerChecksum(tokenizer.checksum())
                .setVocabSize(vocabSize())
                .build();
    }
}
