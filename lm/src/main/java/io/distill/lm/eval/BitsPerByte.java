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
import io.distill.lm.tokenize.Tokenizer;
import io.distill.lm.train.DistillationLoss;

/**
 * Bits per byte of a model on a token sequence: the summed next-token cross-entropy of every scored position, in
 * bits, divided by the UTF-8 bytes those positions' tokens stand for. Special tokens (BOS, EOS) are context only and
 * never scored. With the byte tokenizer this is the mean cross-entropy per byte token; with any other tokenizer it
 * is the same unit, so models with different tokenizers compare.
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
    public static double of(Gpt model, NDManager manager, int[] tokens, int batchSize) {
        return of(model, ByteTokenizer.get(), manager, tokens, batchSize);
    }

    /** As {@link #of(Gpt, NDManager, int[], int)} for ids of {@code tokenizer}. */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    public static double of(Gpt model, Tokenizer tokenizer, NDManager manager, int[] tokens, int batchSize) {
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
                    boolean scoredHere = inside && !tokenizer.isSpecial(tokens[i + 1]);
                    mask[w * l + j] = scoredHere ? 1f : 0f;
                    scored += scoredHere ? 1 : 0;
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
        // the bytes of every token after the first, from one decode (a token's bytes can depend on its neighbours,
        // e.g. SentencePiece's leading space)
        long bytes = tokenizer.decode(tokens).length - tokenizer.decode(new int[] {tokens[0]}).length;
        if (scored == 0 || bytes <= 0) {
            throw new IllegalArgumentException("no byte to score among " + tokens.length + " tokens");
        }
        return nats / bytes / Math.log(2);
    }
}
