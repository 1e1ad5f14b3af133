package io.distill.lm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Scaling the gradients in place, for loss scaling. Clipping by the global norm (as {@code
 * torch.nn.utils.clip_grad_norm_}) runs inside the optimizer's update: {@link AdamW#clipAndStep}.
 */
public final class GradientClipping {

    private GradientClipping() {}

    /** Multiplies every gradient by {@code factor} in place (e.g. to undo a loss scale). */
    public static void scale(List<NDArray> parameters, float factor) {
        if (parameters.isEmpty()) {
            return;
        }
        try (NDManager scope = parameters.get(0).getManager().newSubManager()) {
            for (NDArray p : parameters) {
                NDArray g = p.getGradient();
                g.attach(scope);
                g.muli(factor); // in place: the handle shares storage with the parameter's gradient
            }
        }
    }
}
