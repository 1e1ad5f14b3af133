package io.distill.lm.model;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@link ComputeKernels} of each precision, as tiny TorchScript modules written by {@link TorchScriptArchive}
 * and run by libtorch, for three reasons:
 *
 * <ul>
 *   <li>DJL 0.36 cannot hold a bf16 tensor ({@code toType(BFLOAT16)} aborts the JVM: its JNI has no code for that
 *       dtype) and its {@code toType} is not differentiable. A module that casts its fp32 inputs to bf16 or fp16,
 *       computes and casts the result back keeps the 16-bit tensors inside libtorch, and autograd runs through the
 *       casts, so fp32 master weights receive fp32 gradients.
 *   <li>A whole sublayer per module keeps its activations in 16 bits between its products (the qkv projection,
 *       attention and output projection; the MLP's two products and its GELU), as {@code torch.autocast} does, and
 *       casts each weight once per forward. Casting around every product instead cost bf16 a third of its speed.
 *   <li>DJL has no fused attention. libtorch's {@code scaled_dot_product_attention} with {@code is_causal} never
 *       materialises the (T, T) mask and was 3.7x faster at fp32 than matmul, mask and softmax in DJL ops here.
 * </ul>
 *
 * <p>The sublayers' code is the same at every precision, fp32 included, where the casts are no-ops. The output
 * head's product, at fp32, is DJL's own {@code linear}. Modules hold no state; one instance per precision and
 * sublayer shape is loaded per process and shared.
 */
final class TorchScriptKernels implements ComputeKernels {
    /** TorchScript's dtype codes (c10::ScalarType). */
    static final int FLOAT16 = 5;

    static final int FLOAT32 = 6;
    static final int BOOL = 11;
    static final int BFLOAT16 = 15;

    private static final Map<Precision, TorchScriptKernels> LOADED = new EnumMap<>(Precision.class);

    private final Precision precision;
    private final int type;
    // Held, never closed: once a Model is garbage collected DJL releases its native module.
    private final List<Model> models = new CopyOnWriteArrayList<>();
    private final Block linear;
    private final Map<MlpKey, Block> mlps = new ConcurrentHashMap<>();
    private final Map<AttentionKey, Block> attentions = new ConcurrentHashMap<>();

    /** What an attention module's code depends on: shapes and biases are constants of the TorchScript source. */
    private record AttentionKey(LmConfig.Attention shape, boolean rope) {}

    private record MlpKey(LmConfig.Mlp.Activation activation, boolean bias) {}

    private TorchScriptKernels(Precision precision) {
        this.precision = precision;
        this.type = switch (precision) {
            case FP32 -> FLOAT32;
            case BF16 -> BFLOAT16;
            case FP16 -> FLOAT16;
        };
        this.linear = precision == Precision.FP32
                ? null
                : load(
                        "Linear",
                        "x: Tensor, w: Tensor",
                        "    y = torch.matmul(torch.to(x, DT), torch.t(torch.to(w, DT)))\n");
    }

    static synchronized TorchScriptKernels of(Precision precision) {
        return LOADED.computeIfAbsent(precision, TorchScriptKernels::new);
    }

    @Override
    public NDArray linear(NDArray x, NDArray w, NDArray bias) {
        if (linear == null) { // fp32
            return (bias == null ? Linear.linear(x, w) : Linear.linear(x, w, bias)).singletonOrThrow();
        }
        NDArray y = call(linear, new NDList(x, w)); // (..., out) fp32
        return bias == null ? y : y.add(bias);
    }

    @Override
    public NDArray selfAttention(
            LmConfig.Attention shape,
            NDArray x,
            NDArray wQkv,
            NDArray bQkv,
            NDArray wProj,
            NDArray bProj,
            RotaryEmbedding.Tables rope) {
        if (bQkv != null != shape.qkvBias() || bProj != null != shape.outBias()) {
            throw new IllegalArgumentException("attention biases do not match " + shape);
        }
        Block attention = attentions.computeIfAbsent(new AttentionKey(shape, rope != null), this::loadAttention);
        NDList inputs = new NDList(x, wQkv);
        if (bQkv != null) {
            inputs.add(bQkv);
        }
        inputs.add(wProj);
        if (bProj != null) {
            inputs.add(bProj);
        }
        if (rope != null) {
            inputs.add(rope.cos());
            inputs.add(rope.sin());
        }
        return call(attention, inputs);
    }

    @Override
    public NDArray mlp(LmConfig.Mlp mlp, NDArray x, NDArray wFc, NDArray bFc, NDArray wProj, NDArray bProj) {
        if (bFc != null != mlp.bias() || bProj != null != mlp.bias()) {
            throw new IllegalArgumentException("mlp biases do not match " + mlp);
        }
        Block kernel = mlps.computeIfAbsent(new MlpKey(mlp.activation(), mlp.bias()), this::loadMlp);
        return call(kernel, mlp.bias() ? new NDList(x, wFc, bFc, wProj, bProj) : new NDList(x, wFc, wProj));
    }

    @Override
    public String toString() {
        return precision.flag();
    }

    private Block loadMlp(MlpKey key) {
        String bFc = key.bias() ? "torch.to(b_fc, DT)" : "None";
        String bProj = key.bias() ? "torch.to(b_proj, DT)" : "None";
        String fc = "torch.linear(torch.to(x, DT), torch.to(w_fc, DT), " + bFc + ")";
        String h =
                switch (key.activation()) {
                    case GELU -> "    h = torch.gelu(" + fc + ")\n";
                    // GPT-2's gelu_new spelled out: the archive's format version (3) predates gelu's
                    // approximate= argument, so libtorch's upgrader rejects it
                    case GELU_TANH ->
                        "    f = " + fc + "\n"
                                + "    h = 0.5 * f * (1.0 + torch.tanh(0.7978845608028654 * (f + 0.044715 * torch.pow(f,"
                                + " 3.0))))\n";
                    // fc holds gate then up: one product for both, split in halves
                    case SWIGLU ->
                        "    gate, up = torch.chunk(" + fc + ", 2, -1)\n" + "    h = torch.silu(gate) * up\n";
                };
        return load(
                "Mlp" + key.activation() + (key.bias() ? "Bias" : ""),
                key.bias()
                        ? "x: Tensor, w_fc: Tensor, b_fc: Tensor, w_proj: Tensor, b_proj: Tensor"
                        : "x: Tensor, w_fc: Tensor, w_proj: Tensor",
                h + "    y = torch.linear(h, torch.to(w_proj, DT), " + bProj + ")\n");
    }

    /**
     * Shapes are part of the module's code: TorchScript modules loaded by DJL take tensors only. The fp32 core is
     * libtorch's fused {@code scaled_dot_product_attention}; in 16 bits its CPU backward was 1.5x slower than
     * spelling attention out (student-1m bf16, one thread: 150 ms vs 100 ms a step's backward), so there the scores
     * and the weighted sum are 16-bit products around an fp32 softmax, as under {@code torch.autocast}. Rotary
     * embeddings are applied in fp32 (Hugging Face's cos and sin are fp32 under autocast) before q and k go back to
     * the product type.
     */
    private Block loadAttention(AttentionKey key) {
        LmConfig.Attention a = key.shape();
        int heads = a.heads();
        int kvHeads = a.kvHeads();
        int hd = a.headDim();
        StringBuilder params = new StringBuilder("x: Tensor, w_qkv: Tensor");
        params.append(a.qkvBias() ? ", b_qkv: Tensor" : "").append(", w_proj: Tensor");
        params.append(a.outBias() ? ", b_proj: Tensor" : "").append(key.rope() ? ", cos: Tensor, sin: Tensor" : "");
        StringBuilder body = new StringBuilder();
        body.append("    b, t = x.size(0), x.size(1)\n");
        body.append("    qkv = torch.linear(torch.to(x, DT), torch.to(w_qkv, DT), ")
                .append(a.qkvBias() ? "torch.to(b_qkv, DT)" : "None")
                .append(")\n");
        body.append("    q, k, v = torch.split_with_sizes(qkv, [")
                .append(heads * hd)
                .append(", ")
                .append(kvHeads * hd)
                .append(", ")
                .append(kvHeads * hd)
                .append("], -1)\n");
        body.append(headsFirst("q", heads, hd))
                .append(headsFirst("k", kvHeads, hd))
                .append(headsFirst("v", kvHeads, hd));
        if (key.rope()) {
            body.append(rotate("q", hd)).append(rotate("k", hd));
        }
        if (kvHeads != heads) {
            int groups = heads / kvHeads;
            body.append("    k = torch.repeat_interleave(k, " + groups + ", 1)\n");
            body.append("    v = torch.repeat_interleave(v, " + groups + ", 1)\n");
        }
        body.append(
                precision == Precision.FP32
                        ? "    y = torch.scaled_dot_product_attention(q, k, v, None, 0., True)\n"
                        : "    scores = torch.matmul(q, torch.transpose(k, -2, -1)) * " + (1.0 / Math.sqrt(hd)) + "\n"
                                + "    future = torch.triu(torch.ones([t, t], dtype=" + BOOL + "), 1)\n"
                                + "    p = torch.softmax(torch.masked_fill(scores, future, float(\"-inf\")), -1, "
                                + FLOAT32 + ")\n"
                                + "    y = torch.matmul(torch.to(p, DT), v)\n");
        body.append("    y = torch.reshape(torch.transpose(y, 1, 2), [b, t, " + heads * hd + "])\n");
        body.append("    y = torch.linear(y, torch.to(w_proj, DT), ")
                .append(a.outBias() ? "torch.to(b_proj, DT)" : "None")
                .append(")\n");
        String name = "Attention" + heads + "x" + kvHeads + "x" + hd + (a.qkvBias() ? "Qb" : "")
                + (a.outBias() ? "Ob" : "") + (key.rope() ? "Rope" : "");
        return load(name, params.toString(), body.toString());
    }

    /** (B, T, n * hd) to (B, n, T, hd). */
    private static String headsFirst(String v, int n, int hd) {
        return "    " + v + " = torch.transpose(torch.reshape(" + v + ", [b, t, " + n + ", " + hd + "]), 1, 2)\n";
    }

    /** {@code x * cos + rotate_half(x) * sin} in fp32, back to the product type. */
    private static String rotate(String v, int hd) {
        int half = hd / 2;
        String f = v + "32";
        return "    " + f + " = torch.to(" + v + ", " + FLOAT32 + ")\n"
                + "    " + v + " = torch.to(" + f + " * cos + torch.cat([torch.neg(" + f + "[:, :, :, " + half + ":]), "
                + f + "[:, :, :, :" + half + "]], -1) * sin, DT)\n";
    }

    private static NDArray call(Block kernel, NDList inputs) {
        // The JIT's profiling executor would re-specialise these small graphs over their first calls, which only
        // costs time here. The switch is thread-local in libtorch, so it is set on every calling thread.
        JniUtils.setGraphExecutorOptimize(false);
        NDArray first = inputs.get(0);
        NDArray out = kernel.forward(new ParameterStore(first.getManager(), false), inputs, true)
                .singletonOrThrow();
        out.attach(first.getManager());
        return out;
    }

    /**
     * Writes and loads a module whose forward runs {@code body}, in which {@code DT} stands for this precision's
     * dtype code, and returns its {@code y} as fp32.
     */
    private Block load(String name, String parameters, String body) {
        String className = name + precision.name();
        String code = body.replace("DT", Integer.toString(type));
        String forward = "  def forward(self: __torch__." + className + ", " + parameters + ") -> Tensor:\n"
                + code
                + "    return torch.to(y, " + FLOAT32 + ")\n";
        try {
            Path dir = Files.createTempDirectory("distill-kernels-");
            Path file = dir.resolve(className + ".pt");
            Model model = Model.newInstance(className, "PyTorch");
            try {
                TorchScriptArchive.write(file, className, forward);
                // trainParam: load in training mode so autograd records through the module.
                model.load(dir, file.getFileName().toString(), Map.of("trainParam", "true"));
                models.add(model);
                return model.getBlock();
            } catch (MalformedModelException | RuntimeException e) {
                model.close();
                throw new IllegalStateException("libtorch refused the kernel " + className + ":\n" + forward, e);
            } finally {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the " + precision.flag() + " TorchScript kernels", e);
        }
    }
}
