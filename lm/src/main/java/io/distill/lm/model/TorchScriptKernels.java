package io.distill.lm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.core.Linear;
import io.distill.lm.NativeAllocator;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
    private final TorchScriptModule linear;
    private final Map<MlpKey, TorchScriptModule> mlps = new ConcurrentHashMap<>();
    private final Map<AttentionKey, TorchScriptModule> attentions = new ConcurrentHashMap<>();

    /** What an attention module's code depends on: shapes and biases are constants of the TorchScript source. */
    private record AttentionKey(LmConfig.Attention shape, boolean rope) {}

    private record MlpKey(LmConfig.Mlp.Activation activation, boolean bias) {}

    private TorchScriptKernels(Precision precision) {
        this.precision = precision;
        this.compute = ScalarType.compute(precision);
        this.linear = precision == Precision.FP32
                ? null
                : TorchScriptModule.load(new KernelSource("linear", List.of("x", "w"), List.of(compute)));
    }

    static synchronized TorchScriptKernels of(Precision precision) {
        NativeAllocator.keepFreedMemory(); // every model comes through here before its first step
        return LOADED.computeIfAbsent(precision, TorchScriptKernels::new);
    }

    @Override
    public NDArray linear(NDArray x, NDArray w, NDArray bias) {
        if (linear == null) { // fp32
            return (bias == null ? Linear.linear(x, w) : Linear.linear(x, w, bias)).singletonOrThrow();
        }
        NDArray y = linear.call(new NDList(x, w)); // (..., out) fp32
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
        TorchScriptModule attention =
                attentions.computeIfAbsent(new AttentionKey(shape, rope != null), this::loadAttention);
        return attention.call(present(
                x, wQkv, bQkv, wProj, bProj, rope == null ? null : rope.cos(), rope == null ? null : rope.sin()));
    }

    @Override
    public NDArray mlp(LmConfig.Mlp mlp, NDArray x, NDArray wFc, NDArray bFc, NDArray wProj, NDArray bProj) {
        if (bFc != null != mlp.bias() || bProj != null != mlp.bias()) {
            throw new IllegalArgumentException("mlp biases do not match " + mlp);
        }
        TorchScriptModule kernel = mlps.computeIfAbsent(new MlpKey(mlp.activation(), mlp.bias()), this::loadMlp);
        return kernel.call(present(x, wFc, bFc, wProj, bProj));
    }

    @Override
    public String toString() {
        return precision.flag();
    }

    private TorchScriptModule loadMlp(MlpKey mlp) {
        String activation =
                switch (mlp.activation()) {
                    case GELU -> "gelu";
                    case GELU_TANH -> "gelu_tanh";
                    case SWIGLU -> "swiglu";
                };
        return TorchScriptModule.load(new KernelSource(
                "mlp",
                Arrays.asList("x", "w_fc", mlp.bias() ? "b_fc" : null, "w_proj", mlp.bias() ? "b_proj" : null),
                List.of(activation, compute)));
    }

    /** Shapes are part of the module's code: TorchScript modules loaded by DJL take tensors only. */
    private TorchScriptModule loadAttention(AttentionKey key) {
        LmConfig.Attention a = key.shape();
        return TorchScriptModule.load(new KernelSource(
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
}
