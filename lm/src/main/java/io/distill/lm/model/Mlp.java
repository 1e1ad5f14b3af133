package io.distill.lm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** Position-wise feed-forward: {@code proj(act(fc(x)))}, or SwiGLU {@code proj(silu(gate(x)) * up(x))}. */
final class Mlp extends AbstractBlock {
    private final LmConfig.Mlp spec;
    private final float dropout;
    private final ComputeKernels kernels;
    private final Projection cFc; // C -> hidden (SwiGLU: C -> 2 hidden, gate rows then up rows)
    private final Projection cProj; // hidden -> C

    Mlp(LmConfig config, ComputeKernels kernels) {
        super(Gpt.VERSION);
        spec = config.mlp();
        dropout = config.dropout();
        this.kernels = kernels;
        int c = config.dModel();
        int fcRows = (spec.activation() == LmConfig.Mlp.Activation.SWIGLU ? 2 : 1) * spec.hidden();
        cFc = addChildBlock("cFc", new Projection(c, fcRows, spec.bias(), Gpt.INIT_STD, kernels));
        cProj = addChildBlock("cProj", new Projection(spec.hidden(), c, spec.bias(), Gpt.residualStd(config), kernels));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow(); // (B, T, C)
        // kernels/mlp.py, products in the model's precision:
        //   GELU:   y = gelu(x @ cFc.weight^T + cFc.bias) @ cProj.weight^T + cProj.bias    (GPT-2: tanh GELU)
        //   SwiGLU: gate, up = split(x @ cFc.weight^T); y = (silu(gate) * up) @ cProj.weight^T
        NDArray y = kernels.mlp(
                spec,
                x,
                cFc.weight(ps, x, training),
                cFc.bias(ps, x, training),
                cProj.weight(ps, x, training),
                cProj.bias(ps, x, training)); // (B, T, C)
        return new NDList(Gpt.dropout(y, dropout, training));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = inputShapes[0]; // (B, T, C)
        cFc.initialize(manager, dataType, hidden);
        cProj.initialize(manager, dataType, new Shape(hidden.get(0), hidden.get(1), spec.hidden()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
