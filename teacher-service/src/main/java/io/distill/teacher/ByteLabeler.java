package io.distill.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.distill.lm.bytes.ByteProjection;
import io.distill.lm.bytes.ProjectedWindow;
import io.distill.lm.codec.Codec;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.tokenize.Tokenizer;
import io.distill.schemas.SourceTokenizer;
import io.distill.schemas.TeacherIdentity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * {@code teacher --project bytes}: turns the teacher's logits for a batch of token windows into byte-level soft
 * labels, so that byte-level students learn from a teacher of any byte-level BPE or byte-fallback tokenizer.
 *
 * <p>Each token window becomes one byte window ({@link ProjectedWindow}: the bytes its targets spell, each with the
 * teacher's next-byte distribution), with the same sample id and window index; the trainer cuts it to its own
 * context as it does any long window. The 257 outcomes of a next-byte distribution go on the byte tokenizer's ids:
 * bytes 0..255 as themselves, end of text as {@link ByteTokenizer#EOS}, and {@link ByteTokenizer#BOS} and {@link
 * ByteTokenizer#PAD} at probability 0. The temperature applies to that byte distribution, and the codec, the draw
 * seeds and {@code targetNats} (now the projection's nats over the window's bytes) are the {@link SoftLabelEncoder}'s,
 * so projected records are made exactly like the byte-level teacher's own.
 *
 * <p>Immutable: one instance serves every stream task.
 */
final class ByteLabeler {
    /**
     * The log-probability written for an outcome of probability 0: finite (the codecs refuse infinities on the wire
     * where they could reach it), and exp of it is 0 in fp32 at any temperature up to 100.
     */
    static final float LOG_ZERO = -1e4f;

    private final Tokenizer tokenizer;
    private final ByteProjection projection;
    private final SoftLabelEncoder encoder;

    /**
     * @throws IllegalArgumentException when some byte value starts no token of the teacher's tokenizer, or the codec
     *     does not fit the byte vocabulary
     */
    ByteLabeler(TeacherModel teacher, Codec codec, float temperature) {
        this.tokenizer = teacher.tokenizer();
        this.projection = ByteProjection.of(tokenizer);
        projection.firstUnspellableByte().ifPresent(b -> {
            throw new IllegalArgumentException("--project bytes: no token of " + tokenizer.id()
                    + " spells byte 0x" + Integer.toHexString(b)
                    + "; projection needs a byte-level BPE or byte-fallback tokenizer");
        });
        codec.checkVocabulary(ByteTokenizer.VOCAB_SIZE);
        this.encoder = new SoftLabelEncoder(identity(teacher), codec, temperature);
    }

    /** The teacher as projected labels name it: tokenizer byte-v1, projected from the teacher's own. */
    static TeacherIdentity identity(TeacherModel teacher) {
        TeacherIdentity own = teacher.identity();
        ByteTokenizer bytes = ByteTokenizer.get();
        return TeacherIdentity.newBuilder(own)
                .setTokenizerId(bytes.id())
                .setTokenizerChecksum(bytes.checksum())
                .setVocabSize(bytes.vocabSize())
                .setProjectedFrom(SourceTokenizer.newBuilder()
                        .setTokenizerId(own.getTokenizerId())
                        .setTokenizerChecksum(own.getTokenizerChecksum())
                        .setVocabSize(own.getVocabSize())
                        .build())
                .build();
    }

    /**
     * One outcome per window, in order, from the teacher's logits (B, T, V) at T = 1 for the windows right-padded to
     * T. Arrays are attached to the logits' manager, the caller's per-batch scope.
     */
    List<SoftLabeler.Outcome> label(NDArray logits, List<PendingWindow> windows, Instant createdAt) {
        NDArray logProbs = logits.logSoftmax(-1); // (B, T, V)
        int v = (int) logits.getShape().get(2);
        SoftLabeler.Outcome[] outcomes = new SoftLabeler.Outcome[windows.size()];
        List<Integer> kept = new ArrayList<>();
        List<ProjectedWindow> projected = new ArrayList<>();
        for (int i = 0; i < windows.size(); i++) {
            PendingWindow w = windows.get(i);
            float[] flat = logProbs.get(i).toFloatArray(); // (T, V)
            float[][] rows = new float[w.positions()][];
            for (int j = 0; j < rows.length && outcomes[i] == null; j++) {
                rows[j] = Arrays.copyOfRange(flat, j * v, (j + 1) * v);
                if (!finite(rows[j])) {
                    outcomes[i] = new SoftLabeler.NonFinite(w, j);
                }
            }
            if (outcomes[i] != null) {
                continue;
            }
            try {
                ProjectedWindow p = ProjectedWindow.of(tokenizer, projection, w.tokens(), rows, w.window() == 0);
                if (p.positions() == 0) {
                    outcomes[i] = new SoftLabeler.Unprojectable(w, "its tokens spell no byte to predict");
                } else {
                    kept.add(i);
                    projected.add(p);
                }
            } catch (IllegalStateException e) {
                outcomes[i] = new SoftLabeler.Unprojectable(w, e.getMessage());
            }
        }
        if (!kept.isEmpty()) {
            List<SoftLabelEncoder.Result> results = encoder.encode(
                    byteLogProbs(logits.getManager(), projected), byteWindows(windows, kept, projected), createdAt);
            for (int k = 0; k < kept.size(); k++) {
                PendingWindow w = windows.get(kept.get(k));
                outcomes[kept.get(k)] = results.get(k) instanceof SoftLabelEncoder.Labelled l
                        ? new SoftLabeler.Labelled(w, l.labels())
                        : new SoftLabeler.NonFinite(w, ((SoftLabelEncoder.NonFinite) results.get(k)).position());
            }
        }
        return Arrays.asList(outcomes);
    }

    /** A row is usable when no log-probability is NaN or +inf (-inf is a probability of 0). */
    private static boolean finite(float[] row) {
        for (float x : row) {
            if (Float.isNaN(x) || x == Float.POSITIVE_INFINITY) {
                return false;
            }
        }
        return true;
    }

    /** (B, Tb, 259) natural logs of the next-byte distributions on the byte tokenizer's ids, right-padded with 0. */
    private static NDArray byteLogProbs(NDManager scope, List<ProjectedWindow> projected) {
        int t = projected.stream().mapToInt(ProjectedWindow::positions).max().orElseThrow();
        int v = ByteTokenizer.VOCAB_SIZE;
        float[] out = new float[projected.size() * t * v];
        for (int k = 0; k < projected.size(); k++) {
            double[][] next = projected.get(k).next();
            for (int j = 0; j < next.length; j++) {
                int row = (k * t + j) * v;
                Arrays.fill(out, row, row + v, LOG_ZERO);
                for (int b = 0; b < ByteProjection.END; b++) {
                    out[row + b] = logOf(next[j][b]);
                }
                out[row + ByteTokenizer.EOS] = logOf(next[j][ByteProjection.END]);
            }
        }
        return scope.create(out, new Shape(projected.size(), t, v));
    }

    private static float logOf(double p) {
        return p > 0 ? (float) Math.max(Math.log(p), LOG_ZERO) : LOG_ZERO;
    }

    private static List<SoftLabelEncoder.Window> byteWindows(
            List<PendingWindow> windows, List<Integer> kept, List<ProjectedWindow> projected) {
        List<SoftLabelEncoder.Window> out = new ArrayList<>(kept.size());
        for (int k = 0; k < kept.size(); k++) {
            PendingWindow w = windows.get(kept.get(k));
            ProjectedWindow p = projected.get(k);
            OptionalLong byteOffset = w.byteStart() == PendingWindow.UNKNOWN_BYTE_START
                    ? OptionalLong.empty()
                    : OptionalLong.of(w.byteStart() + p.firstByte());
            out.add(new SoftLabelEncoder.Window(w.sampleId(), w.window(), p.inputs(), byteOffset));
        }
        return out;
    }
}
