package io.distill.trainer;

import io.distill.lm.artifact.CompanionFiles;
import io.distill.lm.model.Gpt;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.tokenize.Tokenizer;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a student's vocabulary and first weights come from: the byte tokenizer and a random initialisation for the
 * own models ({@link #BYTE_LEVEL}), or a Hugging Face teacher's tokenizer, its files (carried by every checkpoint,
 * see {@link CompanionFiles}) and, for a depth-pruned student, the teacher's weights.
 *
 * @param initializer applied once to a fresh student, when no checkpoint is restored; empty for a random start
 */
public record StudentOrigin(Tokenizer tokenizer, CompanionFiles companions, Optional<Initializer> initializer) {

    /** The own byte-level models, randomly initialised. */
    public static final StudentOrigin BYTE_LEVEL =
            new StudentOrigin(ByteTokenizer.get(), CompanionFiles.BYTE_LEVEL, Optional.empty());

    /** Sets a fresh student's parameters, e.g. copies a teacher's blocks into it. */
    @FunctionalInterface
    public interface Initializer {
        void initialize(Gpt fresh) throws IOException;
    }

    public StudentOrigin {
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(companions, "companions");
        Objects.requireNonNull(initializer, "initializer");
        if (!tokenizer.id().equals(companions.tokenizerId())
                || !tokenizer.checksum().equals(companions.tokenizerChecksum())) {
            throw new IllegalArgumentException("the companion files name tokenizer " + companions.tokenizerId()
                    + ", the student reads " + tokenizer.id());
        }
    }
}
