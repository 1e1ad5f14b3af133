package io.distill.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.util.Arrays;

/** How well a model predicts text it was not trained on. */
public final class Evaluation {
    private static final double LN_2 = Math.log(2);

    private Evaluation() {}

    /**
     * Bits per byte of {@code tokens} (byte tokens, so bits per token): the mean next-token cross-entropy in bits
     * over every position, with the text cut into consecutive windows of the model's context.
     *
     * @param maxTokens evaluate at most this many tokens from the start (0 for all), to bound the time
     */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    public static double bitsPerByte(Gpt model, int[] tokens, int batchSize, int maxTokens, NDManager manager) {
        int n = maxTokens > 0 ? Math.min(tokens.length, maxTokens) : tokens.length;
        int length = model.config().context();
        int windows = Math.max(1, (n - 1 + length - 1) / length);
        double nats = 0;
        long positions = 0;
        ParameterStore ps = new ParameterStore(manager, false);
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            for (int first = 0; first < windows; first += batchSize) {
                int[][] batch = new int[Math.min(batchSize, windows - first)][];
                for (int i = 0; i < batch.length; i++) {
                    int start = (first + i) * length;
                    int[] window = Arrays.copyOfRange(tokens, start, Math.min(n, start + length + 1));
                    batch[i] = pad(window, length + 1);
                }
                try (Batch b = Batch.fromWindows(manager, batch)) {
                    NDArray logits = model.logits(ps, b.tokens(), false); // (B, T, V)
                    NDArray nll = DistillationLoss.negLogLikelihood(logits.logSoftmax(-1), b.targets()); // (B, T)
                    nats += nll.mul(b.mask()).sum().getFloat();
                    positions += (long) b.mask().sum().getFloat();
                }
            }
        }
        return positions == 0 ? Double.NaN : nats / positions / LN_2;
    }

    private static int[] pad(int[] window, int length) {
        if (window.length == length) {
            return window;
        }
        int[] padded = Arrays.copyOf(window, length);
        Arrays.fill(padded, window.length, length, ByteTokenizer.PAD);
        return padded;
    }
}
