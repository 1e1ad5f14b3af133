package io.distill.lm.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.distill.lm.Autograd;
import io.distill.lm.model.Gpt;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.tokenize.Padding;
import io.distill.lm.train.DistillationLoss;

/**
 * Bits per byte of a model on a token sequence: the mean next-token cross-entropy over positions whose target is
 * a byte token, in nats, divided by ln 2. With the byte tokenizer this is directly comparable across models and
 * with compressors; special tokens (BOS, EOS, PAD) are context only and never scored.
 *
 * <p>The sequence is cut into consecutive windows of the model's context, each starting where the previous one's
 * targets ended, so every token after the first is scored exactly once (with less context at the start of each
 * window than a sliding evaluation would give).
 */
public final class BitsPerByte {

    private BitsPerByte() {}

    /**
     * @param manager where each batch's scope is opened; it must see the model's parameters
     * @param tokens token ids, at least one byte token after the first position
     * @param batchSize windows per forward pass
     */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    public static double of(Gpt model, NDManager manager, int[] tokens, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        int l = Math.min(model.config().context(), Math.max(1, tokens.length - 1));
        int windows = Math.max(0, (tokens.length - 1 + l - 1) / l);
        ParameterStore ps = new ParameterStore(manager, false);
        double nats = 0;
        long scored = 0;
        for (int first = 0; first < windows; first += batchSize) {
            int b = Math.min(batchSize, windows - first);
            long[] ids = new long[b * l];
            long[] targets = new long[b * l];
            float[] mask = new float[b * l];
            for (int w = 0; w < b; w++) {
                int start = (first + w) * l;
                for (int j = 0; j < l; j++) {
                    int i = start + j;
                    boolean inside = i + 1 < tokens.length;
                    ids[w * l + j] = i < tokens.length ? tokens[i] : Padding.input(Padding.PAD);
                    targets[w * l + j] = inside ? tokens[i + 1] : 0; // masked below
                    boolean isByte = inside && tokens[i + 1] < ByteTokenizer.BYTE_TOKENS;
                    mask[w * l + j] = isByte ? 1f : 0f;
                    scored += isByte ? 1 : 0;
                }
            }
            try (NDManager scope = manager.newSubManager();
                    Autograd.NoGrad noGrad = Autograd.noGrad()) {
                Shape shape = new Shape(b, l);
                NDArray logits = model.logits(ps, scope.create(ids, shape), false); // (B, L, V)
                NDArray nll = DistillationLoss.negLogLikelihood(
                        logits.logSoftmax(-1), scope.create(targets, shape)); // (B, L)
                nats += nll.mul(scope.create(mask, shape))
                        .sum()
                        .toType(DataType.FLOAT64, false)
                        .getDouble();
            }
        }
        if (scored == 0) {
            throw new IllegalArgumentException("no byte token to score among " + tokens.length + " tokens");
        }
        return nats / scored / Math.log(2);
    }
}
