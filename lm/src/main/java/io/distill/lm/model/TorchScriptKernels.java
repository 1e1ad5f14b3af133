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
 * head's product, at fp32, is DJL's own {@code linear}. Modules hold no state; one instance per precision (and
 * attention head count) is loaded per process and shared.
 */
final class TorchScriptKernels implements ComputeKernels {
    /** TorchScript's dtype codes (c10::ScalarType). */
    static final int FLOAT16 = 5;

    static final int FLOAT32 = 6;
    static final int BFLOAT16 = 15;

    private static final Map<Precision, TorchScriptKernels> LOADED = new EnumMap<>(Precision.class);

    private final Precision precision;
    private final int type;
    // Held, never closed: once a Model is garbage collected DJL releases its native module.
    private final List<Model> models = new CopyOnWriteArrayList<>();
    private final Block linear;
    private final Block mlp;
    private final Map<Integer, Block> attentionByHeads = new ConcurrentHashMap<>();

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
        this.mlp = load(
                "Mlp",
                "x: Tensor, w_fc: Tensor, b_fc: Tensor, w_proj: Tensor, b_proj: Tensor",
                "    h = torch.gelu(torch.linear(torch.to(x, DT), torch.to(w_fc, DT), torch.to(b_fc, DT)))\n"
                        + "    y = torch.linear(h, torch.to(w_proj, DT), torch.to(b_proj, DT))\n");
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
    public NDArray selfAttention(NDArray x, NDArray wQkv, NDArray bQkv, NDArray wProj, NDArray bProj, int heads) {
        Block attention = attentionByHeads.computeIfAbsent(heads, this::loadAttention);
        return call(attention, new NDList(x, wQkv, bQkv, wProj, bProj));
    }

    @Override
    public NDArray mlp(NDArray x, NDArray wFc, NDArray bFc, NDArray wProj, NDArray bProj) {
        return call(mlp, new NDList(x, wFc, bFc, wProj, bProj));
    }

    @Override
    public String toString() {
        return precision.flag();
    }

    /**
     * The head count is part of the module's code: TorchScript modules loaded by DJL take tensors only. The fp32
     * core is libtorch's fused {@code scaled_dot_product_attention}; in 16 bits its CPU backward was 1.5x slower
     * than spelling attention out (student-1m bf16, one thread: 150 ms vs 100 ms a step's backward), so there the
     * scores and the weighted sum are 16-bit products around an fp32 softmax, as under {@code torch.autocast}.
     */
    private Block loadAttention(int heads) {
        String core = precision == Precision.FP32
                ? "    y = torch.scaled_dot_product_attention(q, k, v, None, 0., True)\n"
                : "    scores = torch.matmul(q, torch.transpose(k, -2, -1)) * (1.0 / float(c // " + heads
                        + ") ** 0.5)\n"
                        + "    future = torch.triu(torch.ones([t, t], dtype=11), 1)\n" // 11: bool
                        + "    p = torch.softmax(torch.masked_fill(scores, future, float(\"-inf\")), -1, 6)\n"
                        + "    y = torch.matmul(torch.to(p, DT), v)\n";
        return load(
                "Attention" + heads,
                "x: Tensor, w_qkv: Tensor, b_qkv: Tensor, w_proj: Tensor, b_proj: Tensor",
                "    b, t, c = x.size(0), x.size(1), x.size(2)\n"
                        + "    qkv = torch.linear(torch.to(x, DT), torch.to(w_qkv, DT), torch.to(b_qkv, DT))\n"
                        + "    qkv = torch.permute(torch.reshape(qkv, [b, t, 3, " + heads + ", c // " + heads
                        + "]), [2, 0, 3, 1, 4])\n"
                        + "    q, k, v = qkv[0], qkv[1], qkv[2]\n"
                        + core
                        + "    y = torch.reshape(torch.transpose(y, 1, 2), [b, t, c])\n"
                        + "    y = torch.linear(y, torch.to(w_proj, DT), torch.to(b_proj, DT))\n");
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
