package io.distill.lm;

import ai.djl.ndarray.NDArray;

/**
 * Where the model's matrix products run: every projection, the attention core and the output head go through
 * one of these, so the precision of the compute is chosen in one place ({@link Precision#kernels()}). Inputs,
 * outputs and gradients are always fp32; only the products inside may run in lower precision.
 */
public interface MatmulKernels {

    /** {@code x @ w^T + bias}: x (..., in), w (out, in), bias (out) or null; result (..., out). */
    NDArray linear(NDArray x, NDArray w, NDArray bias);

    /**
     * Causal scaled dot-product attention, {@code softmax(q k^T / sqrt(hs) + causal mask) v}: q, k, v and the
     * result are (B, nh, T, hs).
     */
    NDArray causalAttention(NDArray q, NDArray k, NDArray v);
}
