package io.distill.lm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.distill.lm.tokenize.Padding;
import java.util.Objects;
import java.util.Optional;

/**
 * One training batch and the native memory scope it lives in: tokens (B, T) int64, next-token targets (B, T)
 * int64, mask (B, T) fp32 (1 counts, 0 padding) and optionally the teacher's soft targets. Everything a training
 * step computes from it is owned by {@link #manager()} too, so closing the batch frees the whole step.
 */
public record Batch(NDManager manager, NDArray tokens, NDArray targets, NDArray mask, Optional<SoftTargets> teacher)
        implements AutoCloseable {

    public Batch {
        Objects.requireNonNull(manager, "manager");
        Objects.requireNonNull(teacher, "teacher (use Optional.empty())");
        Shape s = tokens.getShape();
        if (s.dimension() != 2 || tokens.getDataType() != DataType.INT64) {
            throw new IllegalArgumentException("tokens must be (B, T) int64, got " + s + " " + tokens.getDataType());
        }
        if (!targets.getShape().equals(s) || targets.getDataType() != DataType.INT64) {
            throw new IllegalArgumentException(
                    "targets must be " + s + " int64, got " + targets.getShape() + " " + targets.getDataType());
        }
        if (!mask.getShape().equals(s) || mask.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException(
                    "mask must be " + s + " float32, got " + mask.getShape() + " " + mask.getDataType());
        }
    }

    /**
     * A batch of next-token windows: each window holds L + 1 token ids, inputs are the first L and targets the
     * last L (the layout of a soft-label record). Positions whose target is {@link Padding#PAD} are masked.
     * The arrays live in a new sub-manager of {@code parent}, closed with the batch.
     */
    public static Batch fromWindows(NDManager parent, int[][] windows) {
        if (windows.length == 0 || windows[0].length < 2) {
            throw new IllegalArgumentException("need at least one window of at least 2 tokens");
        }
        int b = windows.length;
        int l = windows[0].length - 1;
        long[] tokens = new long[b * l];
        long[] targets = new long[b * l];
        float[] mask = new float[b * l];
        for (int i = 0; i < b; i++) {
            if (windows[i].length != l + 1) {
                throw new IllegalArgumentException(
                        "window " + i + " has " + windows[i].length + " tokens, expected " + (l + 1));
            }
            for (int j = 0; j < l; j++) {
                tokens[i * l + j] = Padding.input(windows[i][j]);
                targets[i * l + j] = Padding.input(windows[i][j + 1]);
                mask[i * l + j] = windows[i][j + 1] == Padding.PAD ? 0f : 1f;
            }
        }
        NDManager scope = parent.newSubManager();
        try {
            Shape shape = new Shape(b, l);
            return new Batch(
                    scope,
                    scope.create(tokens, shape),
                    scope.create(targets, shape),
                    scope.create(mask, shape),
                    Optional.empty());
        } catch (RuntimeException e) {
            scope.close();
            throw e;
        }
    }

    /** The same batch with a teacher signal, whose arrays must live in {@link #manager()}. */
    public Batch withTeacher(SoftTargets softTargets) {
        return new Batch(manager, tokens, targets, mask, Optional.of(softTargets));
    }

    public long batchSize() {
        return tokens.getShape().get(0);
    }

    public long length() {
        return tokens.getShape().get(1);
    }

    /** Positions the batch trains on (B * T, masked ones included: they cost compute too). */
    public long tokenCount() {
        return tokens.size();
    }

    @Override
    public void close() {
        manager.close();
    }
}
