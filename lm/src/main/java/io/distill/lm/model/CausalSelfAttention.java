package io.distill.lm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Multi-head causal self-attention, by hand: DJL's stock transformer blocks have no causal mask. q, k and v of
 * all heads come from one fused projection ({@code cAttn}: query rows, then key rows, then value rows), so GPT-2's
 * {@code c_attn} and Llama's {@code q_proj}, {@code k_proj}, {@code v_proj} are one matrix here. Input: x (B, T,
 * C).
 */
final class CausalSelfAttention extends AbstractBlock {
    private final LmConfig.Attention shape;
    private final float dropout;
    private final ComputeKernels kernels;
    private final Projection cAttn; // C -> (H + 2 KV) hd
    private final Projection cProj; // H hd -> C, into the residual stream

    CausalSelfAttention(LmConfig config, ComputeKernels kernels) {
        super(Gpt.VERSION);
        shape = config.attention();
        dropout = config.dropout();
        this.kernels = kernels;
        int c = config.dModel();
        int qkv = (shape.heads() + 2 * shape.kvHeads()) * shape.headDim();
        cAttn = addChildBlock("cAttn", new Projection(c, qkv, shape.qkvBias(), Gpt.INIT_STD, kernels));
        cProj = addChildBlock(
                "cProj",
                new Projection(shape.heads() * shape.headDim(), c, shape.outBias(), Gpt.residualStd(config), kernels));
    }

    /** Inputs: x (B, T, C), then with rotary positions their cos and sin tables (T, hd). */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        RotaryEmbedding.Tables rotary =
                inputs.size() == 3 ? new RotaryEmbedding.Tables(inputs.get(1), inputs.get(2)) : null;
        // kernels/attention.py, products in the model's precision:
        //   q, k, v = split(x @ cAttn.weight^T + cAttn.bias)         (B, H|KV|KV, T, hd)
        //   q, k = rope(q), rope(k)                                   with rotary positions
        //   k, v = repeat each kv head H / KV times                   grouped-query attention
        //   y = softmax(q @ k^T / sqrt(hd) + causal mask) @ v         (B, H, T, hd), then heads side by side
        //   y = y @ cProj.weight^T + cProj.bias                       (B, T, C)
        // No dropout on the attention probabilities (the fused kernel runs without it); dropout applies to the
        // residual branch.
        NDArray y = kernels.selfAttention(
                shape,
                x,
                cAttn.weight(ps, x, training),
                cAttn.bias(ps, x, training),
                cProj.weight(ps, x, training),
                cProj.bias(ps, x, training),
                rotary); // (B, T, C)
        return new NDList(Gpt.dropout(y, dropout, training));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0]; // (B, T, C)
        cAttn.initialize(manager, dataType, s);
        cProj.initialize(manager, dataType, new Shape(s.get(0), s.get(1), (long) shape.heads() * shape.headDim()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
