package io.distill.lm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

/**
 * A fully connected layer, {@code x @ weight^T + bias}, whose product runs in the model's {@link
 * ComputeKernels}: DJL's {@code Linear} block hard-wires its own fp32 operator.
 */
final class Projection extends AbstractBlock {
    private final ComputeKernels kernels;
    private final Parameter weight; // (out, in)
    private final Parameter bias; // (out), or null

    Projection(int in, int out, boolean hasBias, float std, ComputeKernels kernels) {
        super(Gpt.VERSION);
        this.kernels = kernels;
        weight = addParameter(Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(out, in))
                .optInitializer(new NormalInitializer(std))
                .build());
        bias = hasBias
                ? addParameter(Parameter.builder()
                        .setName("bias")
                        .setType(Parameter.Type.BIAS)
                        .optShape(new Shape(out))
                        .build())
                : null;
    }

    /** The (out, in) weight, on the device of {@code x}. */
    NDArray weight(ParameterStore ps, NDArray x, boolean training) {
        return ps.getValue(weight, x.getDevice(), training);
    }

    /** The (out) bias on the device of {@code x}, or null when the layer has none. */
    NDArray bias(ParameterStore ps, NDArray x, boolean training) {
        return bias == null ? null : ps.getValue(bias, x.getDevice(), training);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow(); // (B, T, in)
        return new NDList(kernels.linear(x, weight(ps, x, training), bias(ps, x, training)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {
            s.slice(0, s.dimension() - 1).add(weight.getArray().getShape().get(0))
        };
    }
}
