package io.distill.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The two autograd controls DJL's engine-neutral API lacks, for the PyTorch engine (the only engine this project
 * runs on). Kept in one place so the rest of the module stays engine-neutral.
 */
public final class Autograd {

    private Autograd() {}

    /**
     * Turns gradient recording off on this thread until the scope closes (PyTorch's {@code torch.no_grad()}).
     *
     * <p>Why it is needed: PyTorch's grad mode is per thread and on by default. DJL switches it off only on the
     * thread that loaded the engine, and a closed {@code GradientCollector} does not switch it off either. Without
     * this scope, a forward pass on any other thread (a Kafka Streams thread, a test) records an autograd graph for
     * every parameter, and an in-place update of a parameter fails.
     */
    public static NoGrad noGrad() {
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        return new NoGrad(previous);
    }

    /**
     * Sets the accumulated gradient of each array to zero in place (NaN and infinity included). DJL's PyTorch
     * {@code GradientCollector} does not zero gradients: {@code backward} adds to whatever is there.
     */
    public static void zeroGradients(Iterable<NDArray> parameters) {
        for (NDArray p : parameters) {
            JniUtils.zeroGrad((PtNDArray) p);
        }
    }

    /** Restores the previous grad mode of the thread that opened it. */
    public static final class NoGrad implements AutoCloseable {
        private final boolean previous;

        private NoGrad(boolean previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            JniUtils.setGradMode(previous);
        }
    }
}
