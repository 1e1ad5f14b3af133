package io.distill.lm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** One transformer block: {@code x + attn(ln1(x))}, then {@code x + mlp(ln2(x))}. Input: x (B, T, C). */
final class DecoderBlock extends AbstractBlock {
    private final Block ln1;
    private final CausalSelfAttention attn;
    private final Block ln2;
    private final Mlp mlp;

    DecoderBlock(LmConfig config, ComputeKernels kernels) {
        super(Gpt.VERSION);
        ln1 = addChildBlock("ln1", Norms.create(config.norm()));
        attn = addChildBlock("attn", new CausalSelfAttention(config, kernels));
        ln2 = addChildBlock("ln2", Norms.create(config.norm()));
        mlp = addChildBlock("mlp", new Mlp(config, kernels));
    }

    /** Inputs: x (B, T, C), then with rotary positions their cos and sin tables (T, hd). */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray a = ln1.forward(ps, new NDList(x), training).singletonOrThrow(); // LayerNorm or RMSNorm, fp32
        NDList attnInputs = new NDList(inputs); // the rotary tables, if any, travel on to attention
        attnInputs.set(0, a);
        x = x.add(attn.forward(ps, attnInputs, training).singletonOrThrow()); // x = x + attn(ln1(x))
        NDArray m = ln2.forward(ps, new NDList(x), training).singletonOrThrow();
        return new NDList(x.add(mlp.forward(ps, new NDList(m), training).singletonOrThrow())); // x + mlp(ln2(x))
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = inputShapes[0]; // (B, T, C)
        ln1.initialize(manager, dataType, hidden);
        attn.initialize(manager, dataType, hidden);
        ln2.initialize(manager, dataType, hidden);
        mlp.initialize(manager, dataType, hidden);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
