package io.distill.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.distill.lm.codec.Codec;
import io.distill.schemas.SoftLabels;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The service's labelling step: runs the teacher on a batch of buffered windows in one forward pass ({@link
 * TeacherModel#logits}) and encodes them with the {@link SoftLabelEncoder}, keeping each outcome with the window it
 * came from so a window the teacher cannot label still reaches the dead-letter topic with its source.
 *
 * <p>Not thread-safe: one per stream task. Every array of a batch lives in a sub-manager closed when the batch is
 * done.
 */
final class SoftLabeler implements AutoCloseable {

    /** What became of one window. */
    sealed interface Outcome permits Labelled, NonFinite, Unprojectable {
        PendingWindow window();
    }

    /** The window's soft labels, ready to publish. */
    record Labelled(PendingWindow window, SoftLabels labels) implements Outcome {}

    /** The teacher produced a NaN or infinite logit at {@code position} of the window. */
    record NonFinite(PendingWindow window, int position) implements Outcome {}

    /** {@code --project bytes} found no next-byte distribution for the window ({@link ByteLabeler}). */
    record Unprojectable(PendingWindow window, String reason) implements Outcome {}

    private final TeacherModel teacher;
    private final SoftLabelEncoder encoder;
    private final ByteLabeler bytes;
    private final NDManager manager;

    /** A labeler of the teacher's own tokens. */
    SoftLabeler(TeacherModel teacher, Codec codec, float temperature) {
        this(teacher, codec, temperature, null);
    }

    /** @param bytes projects the teacher's distributions to bytes ({@code --project bytes}), or null for its tokens */
    SoftLabeler(TeacherModel teacher, Codec codec, float temperature, ByteLabeler bytes) {
        this.teacher = teacher;
        this.encoder = new SoftLabelEncoder(teacher.identity(), codec, temperature);
        this.bytes = bytes;
        this.manager = NDManager.newBaseManager();
    }

    /**
     * The outcomes of one batch, one per window in order, and how long the model's forward pass alone took (the
     * rest of the call is the codec: top-k or sampling, copying out, packing; and the byte projection, if any).
     */
    record Batch(List<Outcome> outcomes, long forwardNanos) {}

    Batch label(List<PendingWindow> windows, Instant createdAt) {
        List<int[]> tokens = new ArrayList<>(windows.size());
        List<SoftLabelEncoder.Window> toEncode = new ArrayList<>(windows.size());
        for (PendingWindow w : windows) {
            tokens.add(w.tokens());
            toEncode.add(new SoftLabelEncoder.Window(w.sampleId(), w.window(), w.tokens()));
        }
        try (NDManager scope = manager.newSubManager()) {
            long start = System.nanoTime();
            NDArray logits = teacher.logits(scope, tokens); // (B, T, V)
            long forwardNanos = System.nanoTime() - start;
            if (bytes != null) {
                return new Batch(bytes.label(logits, windows, createdAt), forwardNanos);
            }
            List<SoftLabelEncoder.Result> results = encoder.encode(logits, toEncode, createdAt);
            List<Outcome> outcomes = new ArrayList<>(windows.size());
            for (int i = 0; i < windows.size(); i++) {
                SoftLabelEncoder.Result result = results.get(i);
                outcomes.add(
                        result instanceof SoftLabelEncoder.Labelled l
                                ? new Labelled(windows.get(i), l.labels())
                                : new NonFinite(windows.get(i), ((SoftLabelEncoder.NonFinite) result).position()));
            }
            return new Batch(outcomes, forwardNanos);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
