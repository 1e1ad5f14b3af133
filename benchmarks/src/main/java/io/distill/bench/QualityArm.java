package io.distill.bench;

import io.distill.lm.codec.Codec;
import java.util.Locale;
import java.util.Optional;

/**
 * What one student of the quality benchmark learns from: the hard labels alone, the teacher's dense logits, or the
 * teacher's soft labels as a wire codec carries them.
 *
 * @param codec the codec of a {@link Kind#CODEC} arm
 */
public record QualityArm(Kind kind, Optional<Codec> codec) {

    public enum Kind {
        /** Cross-entropy on the next token only (alpha 0). */
        HARD,
        /** KD from the teacher's full distribution at T, straight from its logits. */
        DENSE,
        /** KD from SoftLabels records: encoded by the teacher service's code, decoded by the trainer's. */
        CODEC
    }

    public static final QualityArm HARD = new QualityArm(Kind.HARD, Optional.empty());
    public static final QualityArm DENSE = new QualityArm(Kind.DENSE, Optional.empty());

    public QualityArm {
        if ((kind == Kind.CODEC) != codec.isPresent()) {
            throw new IllegalArgumentException("a codec arm, and only a codec arm, has a codec");
        }
    }

    public static QualityArm codec(Codec codec) {
        return new QualityArm(Kind.CODEC, Optional.of(codec));
    }

    /** {@code hard}, {@code dense}, {@code topk:K} or {@code sampled:N}. */
    public static QualityArm parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "hard" -> HARD;
            case "dense" -> DENSE;
            default -> codec(Codec.parse(text));
        };
    }

    public boolean needsTeacher() {
        return kind != Kind.HARD;
    }

    public String name() {
        return switch (kind) {
            case HARD -> "hard";
            case DENSE -> "dense";
            case CODEC -> codec.orElseThrow().toString();
        };
    }

    @Override
    public String toString() {
        return name();
    }
}
