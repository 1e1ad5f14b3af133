package io.distill.bench;

import io.distill.lm.codec.Codec;
import java.util.Locale;
import java.util.Optional;

/**
 * What one student of the quality benchmark learns from: the hard labels alone, the teacher's dense logits, or the
 * teacher's soft labels as a wire codec carries them.
 *
 * @param codec the codec of a {@link Kind#CODEC} arm
 * @param alpha the arm's own weight of the distillation term, instead of the run's ({@code sampled:12@0.5}), so
 *     one run can compare mixes on the same teacher passes; KD arms only
 */
public record QualityArm(Kind kind, Optional<Codec> codec, Optional<Float> alpha) {

    public enum Kind {
        /** Cross-entropy on the next token only (alpha 0). */
        HARD,
        /** KD from the teacher's full distribution at T, straight from its logits. */
        DENSE,
        /** KD from SoftLabels records: encoded by the teacher service's code, decoded by the trainer's. */
        CODEC
    }

    public static final QualityArm HARD = new QualityArm(Kind.HARD, Optional.empty(), Optional.empty());
    public static final QualityArm DENSE = new QualityArm(Kind.DENSE, Optional.empty(), Optional.empty());

    public QualityArm {
        if ((kind == Kind.CODEC) != codec.isPresent()) {
            throw new IllegalArgumentException("a codec arm, and only a codec arm, has a codec");
        }
        if (alpha.isPresent() && (kind == Kind.HARD || !(alpha.get() >= 0f && alpha.get() <= 1f))) {
            throw new IllegalArgumentException("an alpha in [0, 1] for a KD arm only, got " + alpha.get());
        }
    }

    public static QualityArm codec(Codec codec) {
        return new QualityArm(Kind.CODEC, Optional.of(codec), Optional.empty());
    }

    /** {@code hard}, {@code dense}, {@code topk:K} or {@code sampled:N}, the KD arms optionally with {@code @alpha}. */
    public static QualityArm parse(String text) {
        String[] parts = text.trim().toLowerCase(Locale.ROOT).split("@", -1);
        if (parts.length > 2) {
            throw new IllegalArgumentException("arm '" + text + "' is not ARM or ARM@ALPHA");
        }
        QualityArm arm =
                switch (parts[0]) {
                    case "hard" -> HARD;
                    case "dense" -> DENSE;
                    default -> codec(Codec.parse(parts[0]));
                };
        if (parts.length == 1) {
            return arm;
        }
        try {
            return new QualityArm(arm.kind, arm.codec, Optional.of(Float.parseFloat(parts[1])));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("arm '" + text + "': '" + parts[1] + "' is not a number");
        }
    }

    /** The arm's weight of the distillation term: its own, else the run's. */
    public float alphaOr(float runAlpha) {
        return alpha.orElse(runAlpha);
    }

    public boolean needsTeacher() {
        return kind != Kind.HARD;
    }

    public String name() {
        String base =
                switch (kind) {
                    case HARD -> "hard";
                    case DENSE -> "dense";
                    case CODEC -> codec.orElseThrow().toString();
                };
        return alpha.map(a -> base + "@" + a).orElse(base);
    }

    @Override
    public String toString() {
        return name();
    }
}
