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

    static final byte VERSION = 1;
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
        this.kernels = ComputeKernels.forPrecision(precision);
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
    static float residualStd(LmConfig config) {
        return (float) (INIT_STD / Math.sqrt(2.0 * config.layers()));
    }

    static NDArray dropout(NDArray x, float rate, boolean training) {
        return training && rate > 0f ? Dropout.dropout(x, rate, true).singletonOrThrow() : x;
    }
}
