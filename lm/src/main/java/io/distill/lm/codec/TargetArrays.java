package io.distill.lm.codec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * A batch's teacher signal as two (B, L, width) arrays: ids int64 and one value per id. Slots beyond a row's
 * positions or ids hold id 0 and {@code fill}, a value that adds nothing to the codec's loss. With {@code exact},
 * every position must have exactly {@code width} ids (top-k), else at most that many (sampled).
 */
record TargetArrays(NDArray ids, NDArray values) {

    static TargetArrays of(
            NDManager manager,
            List<WindowLabels> rows,
            int length,
            int width,
            boolean exact,
            float fill,
            Function<WindowLabels, float[][]> valuesOf) {
        int b = rows.size();
        long[] ids = new long[b * length * width];
        float[] values = new float[b * length * width];
        Arrays.fill(values, fill);
        for (int i = 0; i < b; i++) {
            WindowLabels row = rows.get(i);
            float[][] rowValues = valuesOf.apply(row);
            if (row.positions() > length) {
                throw new IllegalArgumentException(
                        "row " + i + " has " + row.positions() + " positions, the batch " + length);
            }
            for (int t = 0; t < row.positions(); t++) {
                int[] positionIds = row.ids()[t];
                if (positionIds.length > width || (exact && positionIds.length != width)) {
                    throw new IllegalArgumentException("row " + i + " position " + t + " has " + positionIds.length
                            + " ids, the batch " + (exact ? "" : "at most ") + width);
                }
                int base = (i * length + t) * width;
                for (int j = 0; j < positionIds.length; j++) {
                    ids[base + j] = positionIds[j];
                    values[base + j] = rowValues[t][j];
                }
            }
        }
        Shape shape = new Shape(b, length, width);
        return new TargetArrays(manager.create(ids, shape), manager.create(values, shape));
    }
}
