package io.distill.lm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;

/**
 * Root-mean-square normalisation over the last axis, with a learned scale and no shift (Llama's {@code
 * LlamaRMSNorm}): {@code y = x / sqrt(mean(x^2) + eps) * weight}, in fp32.
 */
final class RmsNorm extends AbstractBlock {

    private static final byte VERSION = 1;

    private final float eps;
    private final Parameter weight; // (C)

    RmsNorm(float eps) {
        super(VERSION);
        this.eps = eps;
        weight = addParameter(Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.GAMMA)
                .optInitializer(new ConstantInitializer(1f))
                .build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow(); // (B, T, C)
        NDArray w = ps.getValue(weight, x.getDevice(), training); // (C)
        NDArray rms = x.square().mean(new int[] {-1}, true).add(eps).sqrt(); // (B, T, 1)
        return new NDList(x.div(rms).mul(w));
    }

    @Override
    public void prepare(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        weight.setShape(new Shape(s.get(s.dimension() - 1)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
