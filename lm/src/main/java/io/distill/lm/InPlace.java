package io.distill.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import io.distill.lm.train.AdamW;
import io.distill.lm.train.TrainStep;

/**
 * Overwrites a live array's values with another's, keeping the target's native tensor: parameters and optimizer
 * moments are held by reference (by {@link TrainStep}, {@link AdamW} and autograd), so restoring a checkpoint
 * must write into them rather than swap them.
 */
public final class InPlace {

    private InPlace() {}

    /**
     * Copies {@code source} into {@code target} bit for bit (NaN payloads included). Runs without grad recording:
     * an in-place write to a leaf that requires a gradient is an error otherwise. Allocates nothing that outlives
     * the call.
     */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    public static void copy(NDArray target, NDArray source) {
        if (!target.getShape().equals(source.getShape()) || target.getDataType() != source.getDataType()) {
            throw new IllegalArgumentException("cannot copy " + source.getDataType() + " " + source.getShape()
                    + " into " + target.getDataType() + " " + target.getShape());
        }
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            target.set(new NDIndex(":"), source); // a full-slice index_put_: a copy, not an alias
        }
    }
}
