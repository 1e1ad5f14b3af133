package io.distill.lm;

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
import java.util.Locale;
import java.util.Map;

/**
 * The {@link MatmulKernels} of each precision, partly as tiny TorchScript modules written by {@link
 * TorchScriptArchive} and run by libtorch, for two reasons:
 *
 * <ul>
 *   <li>DJL 0.36 cannot hold a bf16 tensor ({@code toType(BFLOAT16)} aborts the JVM: its JNI has no code for that
 *       dtype) and its {@code toType} is not differentiable. A module that casts its fp32 inputs to bf16 or fp16,
 *       multiplies and casts the product back keeps the 16-bit tensors inside libtorch, and autograd runs through
 *       the casts, so fp32 master weights receive fp32 gradients.
 *   <li>DJL has no fused attention. libtorch's {@code scaled_dot_product_attention} with {@code is_causal} never
 *       materialises the (T, T) mask and was 3.7x faster than matmul, mask and softmax in DJL ops here.
 * </ul>
 *
 * <p>fp32 projections use DJL's own {@code linear}. The attention core runs in fp32 for bf16 too: on this CPU the
 * fp32 fused kernel was faster than the bf16 one (casts included), and its softmax is fp32 either way. One instance
 * per precision is loaded per process and shared; the modules hold no state.
 */
final class TorchScriptKernels implements MatmulKernels {
    /** TorchScript's dtype codes (c10::ScalarType). */
    static final int FLOAT16 = 5;

    static final int FLOAT32 = 6;
    static final int BFLOAT16 = 15;

    private static final Map<Precision, TorchScriptKernels> LOADED = new EnumMap<>(Precision.class);

    private final Precision precision;
    // Held, never closed: once a Model is garbage collected DJL releases its native module.
    private final Model linearModel;
    private final Model attentionModel;
    private final Block linear;
    private final Block attention;

    private TorchScriptKernels(Precision precision, Model linearModel, Model attentionModel) {
        this.precision = precision;
        this.linearModel = linearModel;
        this.attentionModel = attentionModel;
        this.linear = linearModel == null ? null : linearModel.getBlock();
        this.attention = attentionModel.getBlock();
    }

    static synchronized TorchScriptKernels of(Precision precision) {
        return LOADED.computeIfAbsent(precision, TorchScriptKernels::load);
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
    public NDArray causalAttention(NDArray q, NDArray k, NDArray v) {
        return call(attention, new NDList(q, k, v));
    }

    @Override
    public String toString() {
        return precision.flag();
    }

    private static NDArray call(Block kernel, NDList inputs) {
        // The JIT's profiling executor would re-specialise these tiny graphs over their first calls, which only
        // costs time here. The switch is thread-local in libtorch, so it is set on every calling thread.
        JniUtils.setGraphExecutorOptimize(false);
        NDArray first = inputs.get(0);
        NDArray out = kernel.forward(new ParameterStore(first.getManager(), false), inputs, true)
                .singletonOrThrow();
        out.attach(first.getManager());
        return out;
    }

    private static TorchScriptKernels load(Precision precision) {
        int productType =
                switch (precision) {
                    case FP32 -> FLOAT32;
                    case BF16 -> BFLOAT16;
                    case FP16 -> FLOAT16;
                };
        int attentionType = precision == Precision.FP16 ? FLOAT16 : FLOAT32;
        String suffix = precision.name();
        try {
            Path dir = Files.createTempDirectory("distill-kernels-");
            try {
                Model linear = precision == Precision.FP32
                        ? null
                        : loadModule(
                                dir,
                                "Linear" + suffix,
                                "x: Tensor, w: Tensor",
                                String.format(
                                        Locale.ROOT,
                                        "torch.matmul(torch.to(x, %1$d), torch.t(torch.to(w, %1$d)))",
                                        productType));
                Model attention = loadModule(
                        dir,
                        "Attention" + suffix,
                        "q: Tensor, k: Tensor, v: Tensor",
                        String.format(
                                Locale.ROOT,
                                "torch.scaled_dot_product_attention(torch.to(q, %1$d), torch.to(k, %1$d), "
                                        + "torch.to(v, %1$d), None, 0., True)",
                                attentionType));
                return new TorchScriptKernels(precision, linear, attention);
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the " + precision.flag() + " TorchScript kernels", e);
        }
    }

    /** Writes and loads a module whose forward computes {@code expression} and returns it as fp32. */
    private static Model loadModule(Path dir, String className, String parameters, String expression)
            throws IOException {
        String forward = "  def forward(self: __torch__." + className + ", " + parameters + ") -> Tensor:\n"
                + "    y = " + expression + "\n"
                + "    return torch.to(y, " + FLOAT32 + ")\n";
        String file = className + ".pt";
        TorchScriptArchive.write(dir.resolve(file), className, forward);
        Model model = Model.newInstance(className, "PyTorch");
        try {
            // trainParam: load in training mode so autograd records through the module.
            model.load(dir, file, Map.of("trainParam", "true"));
            return model;
        } catch (MalformedModelException | IOException | RuntimeException e) {
            model.close();
            throw new IllegalStateException("libtorch refused the kernel " + className, e);
        }
    }
}
