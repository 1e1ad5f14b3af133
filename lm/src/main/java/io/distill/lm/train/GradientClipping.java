package io.distill.lm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Clipping by the global norm of all gradients together (as {@code torch.nn.utils.clip_grad_norm_}), written here
 * because DJL's {@code optClipGrad} clamps each element from above only, which changes the gradient's direction.
 */
public final class GradientClipping {

    private GradientClipping() {}

    /**
     * Scales every gradient in place by {@code maxNorm / norm} when the global L2 norm exceeds {@code maxNorm}, and
     * returns the norm before clipping. A NaN or infinite norm is returned as is and nothing is scaled: the caller
     * decides to skip the update. {@code maxNorm} may be {@code Float.POSITIVE_INFINITY} to measure only.
     */
    public static float clipGlobalNorm(List<NDArray> parameters, float maxNorm) {
        if (!(maxNorm > 0f)) {
            throw new IllegalArgumentException("maxNorm must be positive, got " + maxNorm);
        }
        if (parameters.isEmpty()) {
            return 0f;
        }
        // getGradient() returns a new handle owned by the parameter's manager; close each one with this scope.
        try (NDManager scope = parameters.get(0).getManager().newSubManager()) {
            List<NDArray> grads = new ArrayList<>(parameters.size());
            NDArray sumSq = null; // () sum of squares over every gradient element
            for (NDArray p : parameters) {
                NDArray g = p.getGradient();
                g.attach(scope);
                grads.add(g);
                NDArray s = g.square().sum();
                sumSq = sumSq == null ? s : sumSq.add(s);
            }
            float norm = (float) Math.sqrt(sumSq.getFloat());
            if (Float.isFinite(norm) && norm > maxNorm) {
                float factor = maxNorm / (norm + 1e-6f);
                for (NDArray g : grads) {
                    g.muli(factor); // in place: the handle shares storage with the parameter's gradient
                }
            }
            return norm;
        }
    }

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
