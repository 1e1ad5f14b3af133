package io.distill.lm;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Matrix products in a 16-bit float type with fp32 inputs, outputs and gradients: the compute half of mixed
 * precision, as {@code torch.autocast} does it for matmuls.
 *
 * <p>DJL 0.36 cannot hold a bf16 tensor ({@code toType(BFLOAT16)} aborts the JVM: its JNI has no code for that
 * dtype) and its {@code toType} is not differentiable. So each kernel is a tiny TorchScript module, written by
 * {@link TorchScriptArchive}, that casts its fp32 inputs, multiplies, and casts the product back to fp32 inside
 * libtorch. DJL only ever sees fp32 tensors; autograd runs through the casts, so fp32 master weights receive fp32
 * gradients. Bias additions stay in fp32.
 *
 * <p>One instance per dtype is loaded per process and shared: the modules hold no state.
 */
final class CastKernels implements MatmulKernels {
    /** TorchScript's dtype codes (c10::ScalarType). */
    static final int FLOAT16 = 5;

    static final int FLOAT32 = 6;
    static final int BFLOAT16 = 15;

    private static volatile CastKernels bf16;
    private static volatile CastKernels fp16;

    private final String name;
    // The models are held, never closed: once a Model is garbage collected DJL releases its native module.
    private final Model linearModel;
    private final Model matmulModel;
    private final Block linear;
    private final Block matmul;

    private CastKernels(String name, Model linearModel, Model matmulModel) {
        this.name = name;
        this.linearModel = linearModel;
        this.matmulModel = matmulModel;
        this.linear = linearModel.getBlock();
        this.matmul = matmulModel.getBlock();
    }

    static CastKernels bf16() {
        if (bf16 == null) {
            synchronized (CastKernels.class) {
                if (bf16 == null) {
                    bf16 = load("bf16", BFLOAT16);
                }
            }
        }
        return bf16;
    }

    static CastKernels fp16() {
        if (fp16 == null) {
            synchronized (CastKernels.class) {
                if (fp16 == null) {
                    fp16 = load("fp16", FLOAT16);
                }
            }
        }
        return fp16;
    }

    @Override
    public NDArray linear(NDArray x, NDArray w, NDArray bias) {
        NDArray y = call(linear, x, w); // (..., out) fp32
        return bias == null ? y : y.add(bias);
    }

    @Override
    public NDArray matmul(NDArray a, NDArray b) {
        return call(matmul, a, b);
    }

    @Override
    public String toString() {
        return name;
    }

    private static NDArray call(Block kernel, NDArray a, NDArray b) {
        // The JIT's profiling executor would re-specialise these two-op graphs over their first calls, which only
        // costs time here. The switch is thread-local in libtorch, so it is set on every calling thread.
        JniUtils.setGraphExecutorOptimize(false);
        NDArray out = kernel.forward(new ParameterStore(a.getManager(), false), new NDList(a, b), true)
                .singletonOrThrow();
        out.attach(a.getManager());
        return out;
    }

    private static CastKernels load(String name, int dtype) {
        String suffix = name.toUpperCase(Locale.ROOT);
        try {
            Path dir = Files.createTempDirectory("distill-kernels-");
            try {
                Model linear = loadModule(
                        dir,
                        "Linear" + suffix,
                        "x",
                        "w",
                        "torch.matmul(torch.to(x, %1$d), torch.t(torch.to(w, %1$d)))",
                        dtype);
                Model matmul = loadModule(
                        dir, "Matmul" + suffix, "a", "b", "torch.matmul(torch.to(a, %1$d), torch.to(b, %1$d))", dtype);
                return new CastKernels(name, linear, matmul);
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the " + name + " TorchScript kernels", e);
        }
    }

    /**
     * Writes and loads a module whose forward takes two tensors, computes {@code product} (a format string whose
     * {@code %1$d} is the dtype code) and returns it as fp32.
     */
    private static Model loadModule(Path dir, String className, String a, String b, String product, int dtype)
            throws IOException {
        String forward = "  def forward(self: __torch__." + className + ",\n"
                + "    " + a + ": Tensor,\n"
                + "    " + b + ": Tensor) -> Tensor:\n"
                + "    y = " + String.format(Locale.ROOT, product, dtype) + "\n"
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
