package io.distill.teacher;

import io.distill.schemas.Codec;
import io.distill.schemas.CodecKind;
import io.distill.schemas.SoftLabelPayload;
import java.util.Locale;

/**
 * A wire codec as the command line writes it: {@code topk:K} (the K most likely ids with their log-probabilities at
 * T, plus the log-sum-exp) or {@code sampled:N} (N draws from the distribution at T, as distinct ids and counts).
 */
public record CodecSpec(CodecKind kind, int size) {
    public static final CodecSpec DEFAULT = new CodecSpec(CodecKind.TOPK, 32);

    public CodecSpec {
        if (size < 1) {
            throw new IllegalArgumentException("a codec needs a size of at least 1, got " + size);
        }
        if (kind == CodecKind.SAMPLED && size > SoftLabelPayload.MAX_SAMPLED_DRAWS) {
            throw new IllegalArgumentException(
                    "sampled:N takes at most " + SoftLabelPayload.MAX_SAMPLED_DRAWS + " draws, got " + size);
        }
    }

    /**
     * @throws IllegalArgumentException for anything but {@code topk:K} or {@code sampled:N}, with a one-line reason
     */
    public static CodecSpec parse(String text) {
        String[] parts = text.trim().toLowerCase(Locale.ROOT).split(":", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("codec '" + text + "' is not topk:K or sampled:N (e.g. topk:32)");
        }
        int size;
        try {
            size = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("codec '" + text + "': '" + parts[1] + "' is not a whole number");
        }
        CodecKind kind =
                switch (parts[0]) {
                    case "topk" -> CodecKind.TOPK;
                    case "sampled" -> CodecKind.SAMPLED;
                    default ->
                        throw new IllegalArgumentException(
                                "codec '" + text + "': unknown kind '" + parts[0] + "'; use topk:K or sampled:N");
                };
        return new CodecSpec(kind, size);
    }

    public Codec toAvro() {
        return Codec.newBuilder().setKind(kind).setSize(size).build();
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(Locale.ROOT) + ":" + size;
    }
}
