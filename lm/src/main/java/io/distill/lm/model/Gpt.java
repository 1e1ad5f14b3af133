package io.distill.lm.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * A GPT-2 style decoder-only transformer as DJL blocks, laid out like nanoGPT's {@code model.py}: pre-LayerNorm
 * blocks of causal self-attention and a GELU MLP, learned position embeddings, and an output projection tied to
 * the token embedding.
 *
 * <p>Forward: token ids (B, T) int64, T at most {@code context}, to logits (B, T, V) fp32. There is no padding
 * mask: attention is causal, so right padding never changes the logits of earlier positions; the losses mask
 * padded positions instead.
 *
 * <p>Memory: every activation is owned by the manager of the input ids, so a caller that creates the ids in a
 * per-step sub-manager frees the whole forward pass by closing it.
 */
public final class Gpt extends AbstractBlock {

    private static final byte VERSION = 1;
    /** GPT-2 initialisation: every weight matrix and embedding ~ N(0, 0.02), biases 0, LayerNorm scale 1. */
    static final float INIT_STD = 0.02f;

    private final LmConfig config;
    private final Precision precision;
    private final ComputeKernels kernels;
    private final Parameter wte; // (V, C) token embedding, also the output projection
    private final Parameter wpe; // (context, C) position embedding
    private final List<DecoderBlock> h = new ArrayList<>();
    private final LayerNorm lnF;

    /** An fp32 model. */
    public Gpt(LmConfig config) {
        this(config, Precision.FP32);
    }

    /** A model whose matrix products run at {@code precision}; parameters are fp32 either way. */
    public Gpt(LmConfig config, Precision precision) {
        super(VERSION);
        this.config = config;
        this.precision = precision;
        this.kernels = precision.kernels();
        wte = addParameter(embedding("wte", config.vocab(), config.dModel()));
        wpe = addParameter(embedding("wpe", config.context(), config.dModel()));
        for (int i = 0; i < config.layers(); i++) {
            h.add(addChildBlock("h" + i, new DecoderBlock(config, kernels)));
        }
        lnF = addChildBlock("lnF", layerNorm());
    }

    /**
     * Builds a model with freshly initialised fp32 parameters owned by {@code manager}. Initialisation draws from
     * the engine's global generator: seed it ({@code Engine.setRandomSeed}) for a reproducible model.
     */
    public static Gpt create(LmConfig config, NDManager manager) {
        return create(config, Precision.FP32, manager);
    }

    /** As {@link #create(LmConfig, NDManager)}, with the matrix products at {@code precision}. */
    public static Gpt create(LmConfig config, Precision precision, NDManager manager) {
        Gpt gpt = new Gpt(config, precision);
        gpt.initialize(manager, DataType.FLOAT32, new Shape(1, config.context()));
        return gpt;
    }

    public LmConfig config() {
        return config;
    }

    public Precision precision() {
        return precision;
    }

    /** Number of scalars in the initialised parameters (equals {@link LmConfig#parameterCount()}). */
    public long parameterCount() {
        return getParameters().values().stream()
                .mapToLong(p -> p.getArray().size())
                .sum();
    }

    /** Convenience for {@link #forward}: (B, T) int64 token ids to (B, T, V) logits. */
    public NDArray logits(ParameterStore ps, NDArray tokens, boolean training) {
        return forward(ps, new NDList(tokens), training).singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray idx = inputs.singletonOrThrow(); // (B, T) int64
        checkTokens(idx);
        long t = idx.getShape().get(1);
        Device device = idx.getDevice();
        NDArray wteArr = ps.getValue(wte, device, training); // (V, C)
        NDArray tokEmb = Embedding.embedding(idx, wteArr, SparseFormat.DENSE).singletonOrThrow(); // (B, T, C)
        NDArray posEmb = ps.getValue(wpe, device, training).get(new NDIndex("0:{}", t)); // (T, C)
        // An op whose receiver is a parameter belongs to the parameter's manager: move it to the caller's scope
        // or it leaks on every forward.
        posEmb.attach(idx.getManager());
        NDArray x = dropout(tokEmb.add(posEmb), config.dropout(), training); // (B, T, C)
        for (DecoderBlock block : h) {
            x = block.forward(ps, new NDList(x), training).singletonOrThrow(); // (B, T, C)
        }
        x = lnF.forward(ps, new NDList(x), training).singletonOrThrow(); // (B, T, C)
        return new NDList(kernels.linear(x, wteArr, null)); // (B, T, V), x @ wte^T
    }

    private void checkTokens(NDArray idx) {
        Shape s = idx.getShape();
        if (s.dimension() != 2 || idx.getDataType() != DataType.INT64) {
            throw new IllegalArgumentException("expected token ids (B, T) int64, got " + s + " " + idx.getDataType());
        }
        if (s.get(1) < 1 || s.get(1) > config.context()) {
            throw new IllegalArgumentException(
                    "sequence length " + s.get(1) + " outside [1, " + config.context() + "]");
        }
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = new Shape(inputShapes[0].get(0), inputShapes[0].get(1), config.dModel()); // (B, T, C)
        for (DecoderBlock block : h) {
            block.initialize(manager, dataType, hidden);
        }
        lnF.initialize(manager, dataType, hidden);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), inputShapes[0].get(1), config.vocab())};
    }

    private static Parameter embedding(String name, int rows, int width) {
        return Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(rows, width))
                .optInitializer(new NormalInitializer(INIT_STD))
                .build();
    }

    /** DJL's LayerNorm normalises every non-batch axis by default, i.e. over (T, C); GPT normalises C only. */
    private static LayerNorm layerNorm() {
        return LayerNorm.builder().axis(2).build();
    }

    /** GPT-2: projections that add into the residual stream start smaller, by 1/sqrt(2 * layers). */
    private static float residualStd(LmConfig config) {
        return (float) (INIT_STD / Math.sqrt(2.0 * config.layers()));
    }

    private static NDArray dropout(NDArray x, float rate, boolean training) {
        return training && rate > 0f ? Dropout.dropout(x, rate, true).singletonOrThrow() : x;
    }

    /** One transformer block: {@code x + attn(ln1(x))}, then {@code x + mlp(ln2(x))}. Input: x (B, T, C). */
    static final class DecoderBlock extends AbstractBlock {
        private final LayerNorm ln1;
        private final CausalSelfAttention attn;
        private final LayerNorm ln2;
        private final Mlp mlp;

        DecoderBlock(LmConfig config, ComputeKernels kernels) {
            super(VERSION);
            ln1 = addChildBlock("ln1", layerNorm());
            attn = addChildBlock("attn", new CausalSelfAttention(config, kernels));
            ln2 = addChildBlock("ln2", layerNorm());
            mlp = addChildBlock("mlp", new Mlp(config, kernels));
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.get(0); // (B, T, C)
            NDArray a = ln1.forward(ps, new NDList(x), training).singletonOrThrow();
            x = x.add(attn.forward(ps, new NDList(a), training).singletonOrThrow()); // (B, T, C)
            NDArray m = ln2.forward(ps, new NDList(x), training).singletonOrThrow();
            return new NDList(x.add(mlp.forward(ps, new NDList(m), training).singletonOrThrow())); // (B, T, C)
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

    /**
     * Multi-head causal self-attention, by hand: DJL's stock transformer blocks have no causal mask. Input: x (B,
     * T, C).
     */
    static final class CausalSelfAttention extends AbstractBlock {
        private final int nHead;
        private final float dropout;
        private final ComputeKernels kernels;
        private final Projection cAttn; // C -> 3C: q, k, v for all heads at once
        private final Projection cProj; // C -> C, into the residual stream

        CausalSelfAttention(LmConfig config, ComputeKernels kernels) {
            super(VERSION);
            nHead = config.heads();
            dropout = config.dropout();
            this.kernels = kernels;
            int c = config.dModel();
            cAttn = addChildBlock("cAttn", new Projection(c, 3 * c, INIT_STD, kernels));
            cProj = addChildBlock("cProj", new Projection(c, c, residualStd(config), kernels));
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.get(0); // (B, T, C)
            // q, k, v for all heads from one product, softmax(q k^T / sqrt(hs) + causal mask) v per head in one
            // fused kernel, and the output projection. Attention-probability dropout is not used (the fused kernel
            // runs without it); dropout applies to the residual branches.
            NDArray y = kernels.selfAttention(
                    x,
                    cAttn.weight(ps, x, training),
                    cAttn.bias(ps, x, training),
                    cProj.weight(ps, x, training),
                    cProj.bias(ps, x, training),
                    nHead); // (B, T, C)
            return new NDList(Gpt.dropout(y, dropout, training));
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            cAttn.initialize(manager, dataType, inputShapes[0]);
            cProj.initialize(manager, dataType, inputShapes[0]);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }
    }

    /** Position-wise feed-forward: C -> 4C, GELU, 4C -> C. */
    static final class Mlp extends AbstractBlock {
        private final float dropout;
        private final ComputeKernels kernels;
        private final Projection cFc;
        private final Projection cProj;

        Mlp(LmConfig config, ComputeKernels kernels) {
            super(VERSION);
            dropout = config.dropout();
            this.kernels = kernels;
            int c = config.dModel();
            cFc = addChildBlock("cFc", new Projection(c, 4 * c, INIT_STD, kernels));
            cProj = addChildBlock("cProj", new Projection(4 * c, c, residualStd(config), kernels));
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow(); // (B, T, C)
            NDArray y = kernels.mlp(
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
            cProj.initialize(manager, dataType, new Shape(hidden.get(0), hidden.get(1), 4L * hidden.get(2)));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }
    }

    /**
     * A fully connected layer, {@code x @ weight^T + bias}, whose product runs in the model's {@link
     * ComputeKernels}: DJL's {@code Linear} block hard-wires its own fp32 operator.
     */
    static final class Projection extends AbstractBlock {
        private final ComputeKernels kernels;
        private final int out;
        private final Parameter weight; // (out, in)
        private final Parameter bias; // (out)

        Projection(int in, int out, float std, ComputeKernels kernels) {
            super(VERSION);
            this.kernels = kernels;
            this.out = out;
            weight = addParameter(Parameter.builder()
                    .setName("weight")
                    .setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(out, in))
                    .optInitializer(new NormalInitializer(std))
                    .build());
            bias = addParameter(Parameter.builder()
                    .setName("bias")
                    .setType(Parameter.Type.BIAS)
                    .optShape(new Shape(out))
                    .build());
        }

        /** The (out, in) weight, on the device of {@code x}. */
        NDArray weight(ParameterStore ps, NDArray x, boolean training) {
            return ps.getValue(weight, x.getDevice(), training);
        }

        /** The (out) bias, on the device of {@code x}. */
        NDArray bias(ParameterStore ps, NDArray x, boolean training) {
            return ps.getValue(bias, x.getDevice(), training);
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
}
