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
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The decoder-only transformer, as DJL blocks laid out like nanoGPT's {@code model.py}: pre-norm blocks of causal
 * self-attention and an MLP, a final norm and an output head. One implementation for every family; {@link LmConfig}
 * switches what differs:
 *
 * <pre>
 *              own GPT / GPT-2           Llama / Qwen2
 * norm         LayerNorm                 RMSNorm
 * positions    learned (wpe)             rotary, in attention
 * attention    heads, biases             grouped-query heads, no biases (Qwen2: q, k, v biases)
 * mlp          GELU (GPT-2: tanh GELU)   SwiGLU
 * head         tied to wte               tied or lmHead
 * </pre>
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
    /** GPT-2 initialisation: every weight matrix and embedding ~ N(0, 0.02), biases 0, norm scales 1. */
    static final float INIT_STD = 0.02f;

    private final LmConfig config;
    private final Precision precision;
    private final ComputeKernels kernels;
    private final Parameter wte; // (V, C) token embedding, also the output head when tied
    private final Parameter wpe; // (context, C) learned positions, or null with rotary embeddings
    private final RotaryEmbedding rope; // or null with learned positions
    private final List<DecoderBlock> h = new ArrayList<>();
    private final Block lnF;
    private final Parameter lmHead; // (V, C) untied output head, or null

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
        boolean learned = config.positions().kind() == LmConfig.Positions.Kind.LEARNED;
        wpe = learned ? addParameter(embedding("wpe", config.context(), config.dModel())) : null;
        rope = learned
                ? null
                : new RotaryEmbedding(
                        config.headDim(),
                        config.positions().theta(),
                        config.positions().scaling());
        for (int i = 0; i < config.layers(); i++) {
            h.add(addChildBlock("h" + i, new DecoderBlock(config, kernels)));
        }
        lnF = addChildBlock("lnF", Norms.create(config.norm()));
        lmHead = config.tiedEmbeddings() ? null : addParameter(embedding("lmHead", config.vocab(), config.dModel()));
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

    /**
     * Every parameter by a stable path, independent of DJL's block numbering: {@code wte}, {@code wpe}, then per
     * block {@code h.<i>.ln1.weight}, {@code .ln1.bias}, {@code .attn.cAttn.weight}, {@code .attn.cAttn.bias},
     * {@code .attn.cProj.weight}, {@code .attn.cProj.bias}, {@code .ln2.*}, {@code .mlp.cFc.*}, {@code
     * .mlp.cProj.*}, then {@code lnF.weight}, {@code lnF.bias} and {@code lmHead}; absent ones are left out. Weight
     * importers and exporters map these to a family's own tensor names.
     */
    public Map<String, Parameter> parametersByPath() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        out.put("wte", wte);
        if (wpe != null) {
            out.put("wpe", wpe);
        }
        for (int i = 0; i < h.size(); i++) {
            collect(h.get(i), "h." + i, out);
        }
        collect(lnF, "lnF", out);
        if (lmHead != null) {
            out.put("lmHead", lmHead);
        }
        return out;
    }

    /** Parameters of {@code block} and its children as dotted paths; LayerNorm's gamma and beta as weight, bias. */
    private static void collect(Block block, String path, Map<String, Parameter> out) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            String name = p.getKey();
            String leaf = name.equals("gamma") ? "weight" : name.equals("beta") ? "bias" : name;
            out.put(path + "." + leaf, p.getValue());
        }
        for (Pair<String, Block> child : block.getChildren()) {
            // DJL stores children as "01ln1", "02attn": their order, then the name given to addChildBlock
            collect(child.getValue(), path + "." + child.getKey().replaceFirst("^\\d+", ""), out);
        }
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
        int t = (int) idx.getShape().get(1);
        Device device = idx.getDevice();
        NDArray wteArr = ps.getValue(wte, device, training); // (V, C)
        NDArray x = Embedding.embedding(idx, wteArr, SparseFormat.DENSE).singletonOrThrow(); // (B, T, C)
        RotaryEmbedding.Tables rotary = null;
        if (wpe != null) {
            NDArray posEmb = ps.getValue(wpe, device, training).get(new NDIndex("0:{}", t)); // (T, C)
            // An op whose receiver is a parameter belongs to the parameter's manager: move it to the caller's scope
            // or it leaks on every forward.
            posEmb.attach(idx.getManager());
            x = x.add(posEmb); // x = wte[idx] + wpe[:T]
        } else {
            rotary = rope.tables(idx.getManager(), t); // cos, sin (T, hd): positions enter inside attention
        }
        x = dropout(x, config.dropout(), training);
        for (DecoderBlock block : h) {
            NDList in = rotary == null ? new NDList(x) : new NDList(x, rotary.cos(), rotary.sin());
            x = block.forward(ps, in, training).singletonOrThrow(); // (B, T, C)
        }
        x = lnF.forward(ps, new NDList(x), training).singletonOrThrow(); // (B, T, C)
        NDArray head = lmHead == null ? wteArr : ps.getValue(lmHead, device, training);
        return new NDList(kernels.linear(x, head, null)); // (B, T, V), logits = x @ head^T
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

    /** GPT-2: projections that add into the residual stream start smaller, by 1/sqrt(2 * layers). */
    private static float residualStd(LmConfig config) {
        return (float) (INIT_STD / Math.sqrt(2.0 * config.layers()));
    }

    private static NDArray dropout(NDArray x, float rate, boolean training) {
        return training && rate > 0f ? Dropout.dropout(x, rate, true).singletonOrThrow() : x;
    }

    /** One transformer block: {@code x + attn(ln1(x))}, then {@code x + mlp(ln2(x))}. Input: x (B, T, C). */
    static final class DecoderBlock extends AbstractBlock {
        private final Block ln1;
        private final CausalSelfAttention attn;
        private final Block ln2;
        private final Mlp mlp;

        DecoderBlock(LmConfig config, ComputeKernels kernels) {
            super(VERSION);
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
            NDArray a = ln1.forward(ps, new NDList(x), training).singletonOrThrow();
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

    /**
     * Multi-head causal self-attention, by hand: DJL's stock transformer blocks have no causal mask. q, k and v of
     * all heads come from one fused projection ({@code cAttn}: query rows, then key rows, then value rows), so GPT-2's
     * {@code c_attn} and Llama's {@code q_proj}, {@code k_proj}, {@code v_proj} are one matrix here. Input: x (B, T,
     * C).
     */
    static final class CausalSelfAttention extends AbstractBlock {
        private final LmConfig.Attention shape;
        private final float dropout;
        private final ComputeKernels kernels;
        private final Projection cAttn; // C -> (H + 2 KV) hd
        private final Projection cProj; // H hd -> C, into the residual stream

        CausalSelfAttention(LmConfig config, ComputeKernels kernels) {
            super(VERSION);
            shape = config.attention();
            dropout = config.dropout();
            this.kernels = kernels;
            int c = config.dModel();
            int qkv = (shape.heads() + 2 * shape.kvHeads()) * shape.headDim();
            cAttn = addChildBlock("cAttn", new Projection(c, qkv, shape.qkvBias(), INIT_STD, kernels));
            cProj = addChildBlock(
                    "cProj",
                    new Projection(shape.heads() * shape.headDim(), c, shape.outBias(), residualStd(config), kernels));
        }

        /** Inputs: x (B, T, C), then with rotary positions their cos and sin tables (T, hd). */
        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.get(0);
            RotaryEmbedding.Tables rotary =
                    inputs.size() == 3 ? new RotaryEmbedding.Tables(inputs.get(1), inputs.get(2)) : null;
            // q, k, v = split(x @ wQkv^T + b); q, k rotated when positions are rotary; k, v heads repeated for
            // grouped-query attention; y = softmax(q k^T / sqrt(hd) + causal mask) v per head; y @ wProj^T + b.
            // Attention-probability dropout is not used (the fused kernel runs without it); dropout applies to the
            // residual branches.
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

    /** Position-wise feed-forward: {@code proj(act(fc(x)))}, or SwiGLU {@code proj(silu(gate(x)) * up(x))}. */
    static final class Mlp extends AbstractBlock {
        private final LmConfig.Mlp spec;
        private final float dropout;
        private final ComputeKernels kernels;
        private final Projection cFc; // C -> hidden (SwiGLU: C -> 2 hidden, gate rows then up rows)
        private final Projection cProj; // hidden -> C

        Mlp(LmConfig config, ComputeKernels kernels) {
            super(VERSION);
            spec = config.mlp();
            dropout = config.dropout();
            this.kernels = kernels;
            int c = config.dModel();
            int fcRows = (spec.activation() == LmConfig.Mlp.Activation.SWIGLU ? 2 : 1) * spec.hidden();
            cFc = addChildBlock("cFc", new Projection(c, fcRows, spec.bias(), INIT_STD, kernels));
            cProj = addChildBlock("cProj", new Projection(spec.hidden(), c, spec.bias(), residualStd(config), kernels));
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow(); // (B, T, C)
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

    /**
     * A fully connected layer, {@code x @ weight^T + bias}, whose product runs in the model's {@link
     * ComputeKernels}: DJL's {@code Linear} block hard-wires its own fp32 operator.
     */
    static final class Projection extends AbstractBlock {
        private final ComputeKernels kernels;
        private final Parameter weight; // (out, in)
        private final Parameter bias; // (out), or null

        Projection(int in, int out, boolean hasBias, float std, ComputeKernels kernels) {
            super(VERSION);
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
}
