package io.distill.trainer;

import io.distill.schemas.Topics;
import java.util.Locale;
import java.util.Objects;

/**
 * Where published artifacts live for consumers.
 *
 * @param kind {@link Kind#KAFKA}: chunked on {@code topic}, in the announcement's transaction, so a checkpoint outlives
 *     the trainer; {@link Kind#HTTP}: only as files behind the trainer's HTTP server ({@code file://} without one)
 * @param topic the compacted artifacts topic
 * @param keepPublished how many versions per student stay on {@code topic}; older ones get tombstones
 * @param maxArtifactBytes a checkpoint whose artifact is larger is not published, and the trainer stops saying so
 */
public record ArtifactStore(Kind kind, String topic, int keepPublished, long maxArtifactBytes) {
    /** 2 GiB: a student of about a billion fp16 parameters. */
    public static final long DEFAULT_MAX_BYTES = 2L << 30;

    public enum Kind {
        KAFKA,
        HTTP;

        /** {@code kafka} or {@code http}, as the {@code --artifact-store} flag spells it. */
        public static Kind parse(String flag) {
            return switch (flag.trim().toLowerCase(Locale.ROOT)) {
                case "kafka" -> KAFKA;
                case "http" -> HTTP;
                default -> throw new IllegalArgumentException("--artifact-store must be kafka or http, got " + flag);
            };
        }
    }

    public ArtifactStore {
        Objects.requireNonNull(kind, "kind");
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("the artifacts topic must not be empty");
        }
        if (keepPublished < 1) {
            throw new IllegalArgumentException("--keep-published must be at least 1, got " + keepPublished);
        }
        if (maxArtifactBytes < 1) {
            throw new IllegalArgumentException("--max-artifact-bytes must be positive, got " + maxArtifactBytes);
        }
    }

    /** Kafka, on the default topic, keeping 5 versions of at most {@link #DEFAULT_MAX_BYTES}. */
    public static ArtifactStore defaults() {
        return new ArtifactStore(Kind.KAFKA, Topics.CHECKPOINT_ARTIFACTS, 5, DEFAULT_MAX_BYTES);
    }
}
