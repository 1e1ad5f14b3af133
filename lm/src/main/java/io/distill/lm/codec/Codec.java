package io.distill.lm.codec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.distill.lm.train.Divergence;
import io.distill.lm.train.SoftTargets;
import java.util.List;
import java.util.Locale;

/**
 * How the teacher's next-token distributions travel from the teacher service to the students: the one place that
 * knows a codec's spec, payload layout (docs/wire-format.md), encoding from the teacher's logits, validation,
 * decoding and distillation loss. The teacher, the trainer and the benchmarks call these methods; nothing else
 * looks at which codec it holds.
 *
 * <p>The payload is bytes whose first byte is the layout version, so a reader refuses a layout it does not know
 * ({@link InvalidPayloadException.Reason#UNKNOWN_LAYOUT}) instead of mis-decoding it.
 */
public sealed interface Codec permits TopK, Sampled {

    /** The teacher's default: the 32 most likely ids. */
    Codec DEFAULT = new TopK(32);

    /**
     * Parses {@code topk:K} or {@code sampled:N}, as the command line writes them.
     *
     * @throws IllegalArgumentException with a one-line reason for anything else
     */
    static Codec parse(String spec) {
        String[] parts = spec.trim().toLowerCase(Locale.ROOT).split(":", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("codec '" + spec + "' is not topk:K or sampled:N (e.g. topk:32)");
        }
        int size;
        try {
            size = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("codec '" + spec + "': '" + parts[1] + "' is not a whole number");
        }
        return switch (parts[0]) {
            case TopK.NAME -> new TopK(size);
            case Sampled.NAME -> new Sampled(size);
            default ->
                throw new IllegalArgumentException(
                        "codec '" + spec + "': unknown kind '" + parts[0] + "'; use topk:K or sampled:N");
        };
    }

    /**
     * The codec a record names by its kind (the Avro {@code CodecKind} symbol, e.g. {@code TOPK}) and size.
     *
     * @throws IllegalArgumentException for an unknown kind or a size the codec cannot have
     */
    static Codec fromWire(String kind, int size) {
        return parse(kind + ":" + size);
    }

    /** The kind as the wire's {@code CodecKind} symbol: {@code TOPK}, {@code SAMPLED}. */
    default String wireKind() {
        return name().toUpperCase(Locale.ROOT);
    }

    /** The spec's name, {@code topk} or {@code sampled}. */
    String name();

    /** K for top-k, N for sampled. */
    int size();

    /** @throws IllegalArgumentException when the codec cannot describe a distribution over {@code vocab} ids */
    void checkVocabulary(int vocab);

    /**
     * Starts encoding a batch: {@code logProbs} (B, T, V) are the teacher's log-probabilities at the {@code
     * temperature}, the log-softmax of its logits divided by T (every value of a position NaN wherever one of its
     * logits is NaN or +inf). Intermediate arrays are attached to their manager, the caller's per-batch scope.
     */
    BatchEncoder encoder(NDArray logProbs, float temperature);

    /**
     * Decodes and checks a payload of {@code positions} positions: layout, every count against the bytes present
     * and the vocabulary before anything is allocated, every id inside the vocabulary, every value finite.
     *
     * @throws InvalidPayloadException when anything is off
     */
    WindowLabels decode(byte[] payload, int positions, int vocab);

    /**
     * The batch's teacher signal as arrays (B, L, width) in {@code manager}: row i holds {@code rows.get(i)},
     * padded to L positions with slots that add nothing to the loss.
     */
    SoftTargets targets(NDManager manager, List<WindowLabels> rows, int length, float temperature);

    /**
     * Refuses a distillation divergence this codec's signal cannot give, with a one-line reason: where the trainer
     * is configured, or the first time a codec meets a divergence.
     *
     * @throws IllegalArgumentException when the divergence is not defined from this codec's payload
     */
    void checkLoss(Divergence divergence);

    /** Whether the loss is a KL divergence (0 when the student matches), so it can be reported as "KL to teacher". */
    boolean lossIsKl();
}
