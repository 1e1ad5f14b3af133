package io.distill.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.core.Linear;

/**
 * Where the model's matrix products run: every projection, both attention products and the output head go
 * through one of these, so the precision of the compute is chosen in one place. Inputs, outputs and gradients are
 * always fp32; only the products inside may run in lower precision (see {@link Precision}).
 */
public interface MatmulKernels {

    /** {@code x @ w^T + bias}: x (..., in), w (out, in), bias (out) or null; result (..., out). */
    NDArray linear(NDArray x, NDArray w, NDArray bias);

    /** {@code a @ b} with broadcast batch axes. */
    NDArray matmul(NDArray a, NDArray b);

    /** Plain fp32 through DJL's own operators. */
    MatmulKernels FP32 = new MatmulKernels() {
        @Override
        public NDArray linear(NDArray x, NDArray w, NDArray bias) {
            return (bias == null ? Linear.linear(x, w) : Linear.linear(x, w, bias)).singletonOrThrow();
        }

        @Override
        public NDArray matmul(NDArray a, NDArray b) {
            return a.matMul(b);
        }

        @Override
        public String toString() {
            return "fp32";
        }
    };
}
