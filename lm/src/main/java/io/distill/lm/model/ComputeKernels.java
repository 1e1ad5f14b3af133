package io.distill.lm.model;

import ai.djl.ndarray.NDArray;

/**
 * Where the model's compute runs: both sublayers of every transformer block and the output head go through one of
 * these, so the precision of the compute is chosen in one place ({@link #forPrecision}). Inputs, outputs and
 * gradients are always fp32; only what happens inside may run in lower precision, as under {@code torch.autocast}.
 */
public interface ComputeKernels {

    /** The kernels that compute the products at {@code precision} (loaded once per process and shared). */
    static ComputeKernels forPrecision(Precision precision) {
        return TorchScriptKernels.of(precision);
    }

    /** {@code x @ w^T + bias}: x (..., in), w (out, in), bias (out) or null; result (..., out). */
    NDArray linear(NDArray x, NDArray w, NDArray bias);

    /**
     * The attention sublayer, x and the result (B, T, C):
     *
     * <pre>
     * q, k, v = split(x @ wQkv^T + bQkv)           (H, KV and KV heads of headDim; wQkv ((H + 2 KV) hd, C))
     * q, k = rope(q), rope(k)                      (rotate-half rotary embedding, when tables are given)
     * k, v = each key/value head repeated H / KV times   (grouped-query attention)
     * y = softmax(q k^T / sqrt(hd) + causal mask) v, heads side by side
     * return y @ wProj^T + bProj                   (wProj (C, H hd))
     * </pre>
     *
     * @param bQkv ((H + 2 KV) hd) or null
     * @param bProj (C) or null
     * @param rope cos and sin tables for positions 0..T-1, or null for models with learned positions
     */
    NDArray selfAttention(
            LmConfig.Attention shape,
            NDArray x,
            NDArray wQkv,
            NDArray bQkv,
            NDArray wProj,
            NDArray bProj,
            RotaryEmbedding.Tables rope);

    /**
     * The MLP sublayer, x and the result (B, T, C): {@code act(x @ wFc^T + bFc) @ wProj^T + bProj} for GELU, or for
     * SwiGLU {@code (silu(x @ gate^T) * (x @ up^T)) @ wProj^T} where wFc holds gate then up. wFc (F, C) with F the
     * hidden width (twice it for SwiGLU), wProj (C, hidden); biases or null.
     */
    NDArray mlp(LmConfig.Mlp mlp, NDArray x, NDArray wFc, NDArray bFc, NDArray wProj, NDArray bProj);
}
