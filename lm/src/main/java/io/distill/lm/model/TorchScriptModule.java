package io.distill.lm.model;

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
import java.util.List;
import java.util.Map;

/**
 * One function of the kernel resources ({@code kernels/*.py}) loaded into libtorch as a stateless TorchScript
 * module, with its constants bound (see {@link KernelSource}); {@link #call} runs it on DJL arrays, with autograd
 * recording through it when grad mode is on.
 */
public final class TorchScriptModule {
    // Held, never closed: once the Model is garbage collected DJL releases its native module.
    private final Model model;
    private final Block block;

    private TorchScriptModule(Model model) {
        this.model = model;
        this.block = model.getBlock();
    }

    /**
     * Loads {@code function} of the kernel resources.
     *
     * @param tensors its tensor arguments in order: a parameter name, null for None, or a list of names for a {@code
     *     List[Tensor]}; {@link #call} takes the named ones, in this order
     * @param constants its remaining arguments: {@link Integer}, {@link Float}, {@link String}, or a dtype
     */
    public static TorchScriptModule load(String function, List<?> tensors, List<?> constants) {
        return load(new KernelSource(function, tensors, constants));
    }

    static TorchScriptModule load(KernelSource kernel) {
        String className = kernel.className();
        try {
            Path dir = Files.createTempDirectory("distill-kernels-");
            Path file = dir.resolve(className + ".pt");
            Model model = Model.newInstance(className, "PyTorch");
            try {
                TorchScriptArchive.write(file, className, kernel.source());
                // trainParam: load in training mode so autograd records through the module.
                model.load(dir, file.getFileName().toString(), Map.of("trainParam", "true"));
                return new TorchScriptModule(model);
            } catch (MalformedModelException | RuntimeException e) {
                model.close();
                throw new IllegalStateException(
                        "libtorch refused the kernel " + className + ":\n" + kernel.source(), e);
            } finally {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the TorchScript kernel " + className, e);
        }
    }

    /** Runs the function on {@code inputs}; the fp32 result belongs to the manager of the first input. */
    public NDArray call(NDList inputs) {
        // The JIT's profiling executor would re-specialise these small graphs over their first calls, which only
        // costs time here. The switch is thread-local in libtorch, so it is set on every calling thread.
        JniUtils.setGraphExecutorOptimize(false);
        NDArray first = inputs.get(0);
        NDArray out = block.forward(new ParameterStore(first.getManager(), false), inputs, true)
                .singletonOrThrow();
        out.attach(first.getManager());
        return out;
    }

    @Override
    public String toString() {
        return model.getName();
    }
}
