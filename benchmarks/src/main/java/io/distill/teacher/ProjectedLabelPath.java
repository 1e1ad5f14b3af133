package io.distill.teacher;

import ai.djl.ndarray.NDArray;
import io.distill.lm.codec.Codec;
import io.distill.schemas.AvroSerde;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The teacher service's {@code --project bytes} labelling, for benchmarks: token windows and the teacher's logits for
 * them go through {@link ByteLabeler}, exactly as the service's topology sends them, and come out as the Avro bytes of
 * the byte-level SoftLabels records it would publish. It lives in the benchmarks module but in the teacher's package,
 * so the labeler stays package-private in the deployable service.
 *
 * <p>Immutable; each call is independent.
 */
public final class ProjectedLabelPath {
    private final ByteLabeler labeler;
    private final AvroSerde<SoftLabels> serde = DistillSerdes.softLabels();

    /**
     * @throws IllegalArgumentException when the teacher's tokenizer cannot be projected (some byte starts no token) or
     *     the codec does not fit the byte vocabulary
     */
    public ProjectedLabelPath(TeacherModel teacher, Codec codec, float temperature) {
        this.labeler = new ByteLabeler(teacher, codec, temperature);
    }

    /**
     * What came of a batch of windows.
     *
     * @param records the record values of the windows that were labelled, in window order
     * @param refused windows the service would have dead-lettered (unprojectable or non-finite), with the reason
     */
    public record Labels(List<byte[]> records, List<String> refused) {}

    /**
     * @param logits the teacher's logits (B, L, V) at T = 1 for {@code windows}, all of L + 1 tokens
     * @param windows token windows; none starts a document (its first token is context, as in a later window)
     */
    public Labels label(NDArray logits, List<int[]> windows, String sampleId) {
        List<PendingWindow> pending = new ArrayList<>(windows.size());
        for (int i = 0; i < windows.size(); i++) {
            pending.add(new PendingWindow(sampleId, i + 1, windows.get(i), PendingWindow.UNKNOWN_BYTE_START, 0, i, 0));
        }
        List<byte[]> records = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (SoftLabeler.Outcome outcome : labeler.label(logits, pending, Instant.EPOCH)) {
            if (outcome instanceof SoftLabeler.Labelled l) {
                records.add(serde.encode(l.labels()));
            } else if (outcome instanceof SoftLabeler.NonFinite n) {
                refused.add("non-finite logits at position " + n.position());
            } else if (outcome instanceof SoftLabeler.Unprojectable u) {
                refused.add(u.reason());
            }
        }
        return new Labels(records, refused);
    }
}
