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
import java.util.Arrays;
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
 * <p>The math is in the TorchScript resources under {@code kernels/} ({@code attention.py}, {@code mlp.py}, {@code
 * linear.py}), the same at every precision, fp32 included, where the casts are no-ops; {@link KernelSource} binds a
 * function's shapes and compute dtype into a module. The output head's product, at fp32, is DJL's own {@code
 * linear}. Modules hold no state; one instance per precision and sublayer shape is loaded per process and shared.
 */
final class TorchScriptKernels implements ComputeKernels {
    private static final Map<Precision, TorchScriptKernels> LOADED = new EnumMap<>(Precision.class);

    private final Precision precision;
    private final ScalarType compute;
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
        this.compute = ScalarType.compute(precision);
        this.linear = precision == Precision.FP32
                ? null
                : load(new KernelSource("linear", List.of("x", "w"), List.of(compute)));
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
        return call(
                attention,
                present(
                        x,
                        wQkv,
                        bQkv,
                        wProj,
                        bProj,
                        rope == null ? null : rope.cos(),
                        rope == null ? null : rope.sin()));
    }

    @Override
    public NDArray mlp(LmConfig.Mlp mlp, NDArray x, NDArray wFc, NDArray bFc, NDArray wProj, NDArray bProj) {
        if (bFc != null != mlp.bias() || bProj != null != mlp.bias()) {
            throw new IllegalArgumentException("mlp biases do not match " + mlp);
        }
        Block kernel = mlps.computeIfAbsent(new MlpKey(mlp.activation(), mlp.bias()), this::loadMlp);
        return call(kernel, present(x, wFc, bFc, wProj, bProj));
    }

    @Override
    public String toString() {
        return precision.flag();
    }

    private Block loadMlp(MlpKey mlp) {
        String activation =
                switch (mlp.activation()) {
                    case GELU -> "gelu";
                    case GELU_TANH -> "gelu_tanh";
                    case SWIGLU -> "swiglu";
                };
        return load(new KernelSource(
                "mlp",
                Arrays.asList("x", "w_fc", mlp.bias() ? "b_fc" : null, "w_proj", mlp.bias() ? "b_proj" : null),
                List.of(activation, compute)));
    }

    /** Shapes are part of the module's code: TorchScript modules loaded by DJL take tensors only. */
    private Block loadAttention(AttentionKey key) {
        LmConfig.Attention a = key.shape();
        return load(new KernelSource(
                "attention",
                Arrays.asList(
                        "x",
                        "w_qkv",
                        a.qkvBias() ? "b_qkv" : null,
                        "w_proj",
                        a.outBias() ? "b_proj" : null,
                        key.rope() ? "cos" : null,
                        key.rope() ? "sin" : null),
                List.of(a.heads(), a.kvHeads(), a.headDim(), compute)));
    }

    /** The arrays that are there, in order: a kernel module's parameters are its present tensors. */
    private static NDList present(NDArray... arrays) {
        NDList out = new NDList(arrays.length);
        for (NDArray a : arrays) {
            if (a != null) {
                out.add(a);
            }
        }
        return out;
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

    /** Writes {@code kernel} as a TorchScript archive and loads it; its forward returns fp32. */
    private Block load(KernelSource kernel) {
        String className = kernel.className();
        try {
            Path dir = Files.createTempDirectory("distill-kernels-");
            Path file = dir.resolve(className + ".pt");
            Model model = Model.newInstance(className, "PyTorch");
            try {
                TorchScriptArchive.write(file, className, kernel.source());
                // trainParam: load in training mode so autograd records through the module.
                model.load(dir, file.getFileName().toString(), Map.of("trainParam", "true"));
                models.add(model);
                return model.getBlock();
            } catch (MalformedModelException | RuntimeException e) {
                model.close();
                throw new IllegalStateException(
                        "libtorch refused the kernel " + className + ":\n" + kernel.source(), e);
            } finally {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the " + precision.flag() + " TorchScript kernels", e);
        }
    }
}
