package io.distill.lm.artifact;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Symmetric int8 quantization with one scale per row. For a DJL {@code Linear} weight (out, in) and for an
 * embedding (rows, C) a row is an output channel, so this is per-output-channel quantization: one outlier weight
 * only coarsens its own row.
 *
 * <p>{@code scale_r = max|w_r| / 127}, {@code q = round(w / scale_r)} (to nearest, ties to even) in [-127, 127],
 * {@code w ~ q * scale_r}; the error per weight is at most {@code scale_r / 2}. An all-zero row (e.g. fully
 * pruned) gets scale 0 and q 0.
 */
final class Int8Rows {

    /**
     * @param q (R, C) int8
     * @param scale (R) fp32
     */
    record Quantized(NDArray q, NDArray scale) {}

    private Int8Rows() {}

    /** {@code w} (R, C) fp32; results and temporaries belong to {@code w}'s manager. */
    static Quantized quantize(NDArray w) {
        if (w.getShape().dimension() != 2 || w.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("expected an fp32 matrix, got " + w.getDataType() + " " + w.getShape());
        }
        NDArray scale = w.abs().max(new int[] {1}).div(127f); // (R)
        NDArray divisor = scale.add(scale.eq(0f).toType(DataType.FLOAT32, false)); // (R), 1 where the row is 0
        NDArray q = w.div(divisor.expandDims(1)) // (R, C) in [-127, 127] up to rounding
                .round()
                .clip(-127f, 127f)
                .toType(DataType.INT8, false);
        return new Quantized(q, scale);
    }

    /** (R, C) fp32 {@code q * scale}, owned by {@code q}'s manager. */
    static NDArray dequantize(NDArray q, NDArray scale) {
        return q.toType(DataType.FLOAT32, false).mul(scale.expandDims(1));
    }
}
