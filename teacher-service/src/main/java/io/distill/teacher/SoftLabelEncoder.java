package io.distill.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.distill.lm.codec.BatchEncoder;
import io.distill.lm.codec.Codec;
import io.distill.lm.tokenize.Padding;
import io.distill.lm.train.SoftTargets;
import io.distill.schemas.CodecKind;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TeacherIdentity;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * Turns the teacher's logits for a batch of windows into {@link SoftLabels} records: each window's next-token
 * distributions at temperature T, encoded by the {@link Codec} (which owns what goes in the payload). Codecs that
 * draw at random are seeded from (sample id, window), so a replay of the same window draws the same ids.
 *
 * Every record also carries the teacher's own cross-entropy at T = 1 on the window ({@code targetNats}).
 *
 * <p>This is the only place soft labels are made: the service ({@link SoftLabeler}) and anything that labels in
 * its own process ({@link TextLabeler}, the benchmarks) call it, so what they produce is what goes on the wire.
 *
 * <p>A window with a NaN or infinite logit at any real position is not encoded (a -inf is let through only where
 * it cannot reach the wire: outside the top K, or as a probability of 0 to sample from); it comes back as {@link
 * NonFinite}.
 */
public final class SoftLabelEncoder {

    /**
     * A window to label.
     *
     * @param index the window's position within its sample
     * @param tokens L + 1 token ids: inputs {@code [0, L)}, targets {@code [1, L]}
     * @param byteOffset the document byte of target {@code tokens[1]}, for byte-level windows of a projection
     */
    public record Window(String sampleId, int index, int[] tokens, OptionalLong byteOffset) {
        public Window(String sampleId, int index, int[] tokens) {
            this(sampleId, index, tokens, OptionalLong.empty());
        }

        public int positions() {
            return tokens.length - 1;
        }
    }

    /** What became of one window. */
    public sealed interface Result permits Labelled, NonFinite {}

    /** The window's soft labels, ready to publish. */
    public record Labelled(SoftLabels labels) implements Result {}

    /** The teacher produced a NaN or infinite logit at {@code position} of the window. */
    public record NonFinite(int position) implements Result {}

    private final Codec codec;
    private final float temperature;
    private final TeacherIdentity identity;
    private final io.distill.schemas.Codec wireCodec;

    public SoftLabelEncoder(TeacherIdentity identity, Codec codec, float temperature) {
        SoftTargets.checkTemperature(temperature);
        this.identity = identity;
        this.codec = codec;
        this.temperature = temperature;
        this.wireCodec = io.distill.schemas.Codec.newBuilder()
                .setKind(CodecKind.valueOf(codec.wireKind()))
                .setSize(codec.size())
                .build();
    }

    public Codec codec() {
        return codec;
    }

    public float temperature() {
        return temperature;
    }

    /**
     * Encodes a batch: {@code logits} (B, T, V) at T = 1 for the windows right-padded to T (as {@link
     * TeacherModel#logits} returns them); only each window's real positions are read. Intermediate arrays are
     * attached to the logits' manager, the caller's per-batch scope.
     *
     * @return one result per window, in order
     */
    public List<Result> encode(NDArray logits, List<Window> windows, Instant createdAt) {
        int b = windows.size();
        int t = (int) logits.getShape().get(1);
        if (logits.getShape().get(0) != b) {
            throw new IllegalArgumentException(
                    "logits " + logits.getShape() + " for " + b + " windows: the batch sizes differ");
        }
        long[] targets = new long[b * t];
        Arrays.fill(targets, Padding.input(Padding.PAD)); // padded positions are never read
        for (int i = 0; i < b; i++) {
            int[] tokens = windows.get(i).tokens();
            if (tokens.length - 1 > t) {
                throw new IllegalArgumentException(
                        "window " + i + " has " + (tokens.length - 1) + " positions, the logits " + t);
            }
            for (int j = 0; j < tokens.length - 1; j++) {
                targets[i * t + j] = tokens[j + 1];
            }
        }
        NDManager scope = logits.getManager();
        NDArray index = scope.create(targets, new Shape(b, t, 1));
        // (B, T, V) ln p_T in one fused pass; a position with a NaN or +inf logit is NaN throughout, which the codec
        // reports as the window's first non-finite position
        NDArray logProbs = logits.div(temperature).logSoftmax(-1);
        BatchEncoder encoder = codec.encoder(logProbs, temperature);
        // The teacher's own cross-entropy at T = 1 on each position, -ln p_1(target), so students can report it
        // beside theirs.
        NDArray logProbsAtOne = temperature == 1f ? logProbs : logits.logSoftmax(-1);
        float[] targetNats = logProbsAtOne.gather(index, -1).neg().toFloatArray(); // (B, T)
        List<Result> results = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            Window window = windows.get(i);
            int bad = encoder.firstNonFinite(i, window.positions());
            results.add(
                    bad >= 0
                            ? new NonFinite(bad)
                            : new Labelled(record(
                                    window,
                                    encoder.encode(i, window.positions(), drawSeed(window.sampleId(), window.index())),
                                    sum(targetNats, i * t, window.positions()),
                                    createdAt)));
        }
        return results;
    }

    /** A 64-bit seed from the sample id (FNV-1a of its UTF-8 bytes) and the window index. */
    static long drawSeed(String sampleId, int window) {
        long h = 0xcbf29ce484222325L;
        for (byte b : sampleId.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h ^ (window * 0x9E3779B97F4A7C15L);
    }

    private static float sum(float[] values, int offset, int count) {
        double total = 0;
        for (int j = 0; j < count; j++) {
            total += values[offset + j];
        }
        return (float) total;
    }

    private SoftLabels record(Window window, byte[] payload, float targetNats, Instant createdAt) {
        List<Integer> tokens = new ArrayList<>(window.tokens().length);
        for (int token : window.tokens()) {
            tokens.add(token);
        }
        return SoftLabels.newBuilder()
                .setSampleId(window.sampleId())
                .setWindow(window.index())
                .setTokens(tokens)
                .setTeacher(identity)
                .setTemperature(temperature)
                .setCodec(wireCodec)
                .setPayload(ByteBuffer.wrap(payload))
                .setCreatedAt(createdAt)
                .setTargetNats(targetNats)
                .setByteOffset(
                        window.byteOffset().isPresent() ? window.byteOffset().getAsLong() : null)
                .build();
    }
}
