package io.distill.teacher;

import ai.djl.ndarray.NDManager;
import io.distill.lm.codec.Codec;
import io.distill.schemas.SoftLabels;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Labels text in this process the way the service does, without Kafka: the byte tokenizer, {@link Windowing#cut}
 * with the stride equal to the context, one forward pass per batch of windows ({@link TeacherModel#logits}) and the
 * {@link SoftLabelEncoder}. For benchmarks, and for tests elsewhere that need a teacher's records. A window the
 * teacher cannot label (a non-finite logit) is an exception here, not a dead letter.
 */
public final class TextLabeler {
    /** Windows per forward pass, the service's default {@code --max-batch}. */
    static final int BATCH = 16;

    private final TeacherModel teacher;
    private final SoftLabelEncoder encoder;

    public TextLabeler(TeacherModel teacher, Codec codec, float temperature) {
        this.teacher = teacher;
        this.encoder = new SoftLabelEncoder(teacher.identity(), codec, temperature);
    }

    /** A document's records: its tokens cut into windows of at most {@code context} positions. */
    public List<SoftLabels> label(String sampleId, String text, int context) {
        List<int[]> cut = Windowing.cut(teacher.tokenize(text), context, context);
        List<SoftLabelEncoder.Window> windows = new ArrayList<>(cut.size());
        for (int w = 0; w < cut.size(); w++) {
            windows.add(new SoftLabelEncoder.Window(sampleId, w, cut.get(w)));
        }
        return label(windows);
    }

    /**
     * The records of the windows, in order.
     *
     * @throws IllegalStateException when the teacher produces a non-finite logit for a window
     */
    public List<SoftLabels> label(List<SoftLabelEncoder.Window> windows) {
        List<SoftLabels> out = new ArrayList<>(windows.size());
        for (int from = 0; from < windows.size(); from += BATCH) {
            List<SoftLabelEncoder.Window> batch = windows.subList(from, Math.min(windows.size(), from + BATCH));
            try (NDManager scope = NDManager.newBaseManager()) {
                var logits = teacher.logits(
                        scope,
                        batch.stream().map(SoftLabelEncoder.Window::tokens).toList());
                List<SoftLabelEncoder.Result> results = encoder.encode(logits, batch, Instant.now());
                for (int i = 0; i < batch.size(); i++) {
                    if (!(results.get(i) instanceof SoftLabelEncoder.Labelled labelled)) {
                        SoftLabelEncoder.Window w = batch.get(i);
                        throw new IllegalStateException("the teacher's logits for window " + w.index() + " of '"
                                + w.sampleId() + "' are not finite at position "
                                + ((SoftLabelEncoder.NonFinite) results.get(i)).position());
                    }
                    out.add(labelled.labels());
                }
            }
        }
        return out;
    }
}
