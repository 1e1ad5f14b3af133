package io.distill.lm.model;

import ai.djl.ndarray.NDArray;

/**
 * Where the model's compute runs: both sublayers of every transformer block and the output head go through one of
 * these, so the precision of the compute is chosen in one place ({@link Precision#kernels()}). Inputs, outputs and
 * gradients are always fp32; only what happens inside may run in lower precision, as under {@code torch.autocast}.
 */
public interface ComputeKernels {

    /** {@code x @ w^T + bias}: x (..., in), w (out, in), bias (out) or null; result (..., out). */
    NDArray linear(NDArray x, NDArray w, NDArray bias);

    /**
     * The attention sublayer: {@code qkv = x @ wQkv^T + bQkv} split into q, k and v of {@code heads} heads, causal
     * {@code softmax(q k^T / sqrt(hs)) v} per head, heads side by side, then {@code @ wProj^T + bProj}. x and the
     * result are (B, T, C); wQkv (3C, C), bQkv (3C), wProj (C, C), bProj (C).
     */
    NDArray selfAttention(NDArray x, NDArray wQkv, NDArray bQkv, NDArray wProj, NDArray bProj, int heads);

    /**
     * The MLP sublayer: {@code gelu(x @ wFc^T + bFc) @ wProj^T + bProj}, exact (erf) GELU. x and the result are (B,
     * T, C); wFc (4C, C), bFc (4C), wProj (C, 4C), bProj (C).
     */
    NDArray mlp(NDArray x, NDArray wFc, NDArray bFc, NDArray wProj, NDArray bProj);
}
