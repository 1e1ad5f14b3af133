package io.distill.lm.codec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** Checks of the arrays a codec's targets are made of, so a mistake fails at construction and not inside a loss. */
final class TargetShapes {
    private TargetShapes() {}

    static void checkIds(NDArray ids) {
        if (ids.getShape().dimension() != 3) {
            throw new IllegalArgumentException("ids (B, T, k) must have rank 3, got " + ids.getShape());
        }
        if (ids.getDataType() != DataType.INT64) {
            throw new IllegalArgumentException("ids must be int64, got " + ids.getDataType());
        }
    }

    static void checkSameShape(NDArray a, NDArray b, String what) {
        Shape sa = a.getShape();
        if (!sa.equals(b.getShape())) {
            throw new IllegalArgumentException(what + " differ in shape: " + sa + " vs " + b.getShape());
        }
    }
}
