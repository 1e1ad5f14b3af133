package io.distill.lm.bytes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.distill.lm.Autograd;
import io.distill.lm.model.Gpt;
import io.distill.lm.tokenize.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BiFunction;

/**
 * A text's next-byte distributions under a token-level model: one forward pass over the text's own tokenization
 * ({@link Tokenizer#encodeDocument}, so BOS first when the model was trained so), then the {@link ByteProjection} over
 * the {@link CanonicalPath}.
 *
 * <p>Positions are the text's bytes: {@code next[k]} is the distribution of text byte {@code firstByte + k} given the
 * text before it. Without BOS the first token is context only, as in {@code BitsPerByte}, so {@code firstByte} is its
 * length; with BOS it is 0. A SentencePiece dummy prefix (Llama 2's leading "▁") is context too: its byte is not part
 * of the text and is not predicted.
 *
 * @param next one distribution per byte position from {@code firstByte} to the end of the text, then one after it
 * @param nats the text's negative log-likelihood in nats over those bytes
 * @param droppedNats how much of the mass was in covers whose context the teacher never ran: {@code -sum ln(1 - share
 *     dropped)} over the positions (0 when exact; see {@link ByteProjection.Projected#droppedNats})
 * @param prefixNats the negative log-likelihood of the dummy prefix's bytes, conditioned on and not predicted (their
 *     share of the first token's probability: the chain rule compares {@code nats + prefixNats} with {@code tokenNats})
 * @param tokenNats the token model's own negative log-likelihood of the same tokens ({@code -sum log p(t_j | t_<j)}
 *     over the scored ids), for the chain rule
 * @param boundaryNats {@code -ln P(a token ends at the text's end | the text...)} under the projection: {@code nats +
 *     prefixNats + boundaryNats} is the probability that the tokens spell exactly the text, which for a canonical
 *     model equals {@code tokenNats}; without it the projection scores "the text, then anything", which also counts
 *     the tokens that extend its last token's bytes
 */
public record ProjectedText(
        double[][] next,
        int firstByte,
        double nats,
        double droppedNats,
        double prefixNats,
        double tokenNats,
        double boundaryNats) {

    /** Bytes predicted: the text's bytes from {@link #firstByte}. */
    public int bytes() {
        return next.length - 1;
    }

    public double bitsPerByte() {
        return nats / bytes() / Math.log(2);
    }

    public double tokenBitsPerByte() {
        return tokenNats / bytes() / Math.log(2);
    }

    /**
     * @param projection built for {@code tokenizer} ({@link ByteProjection#of})
     * @param manager where the forward pass's arrays live; it must see the model's parameters
     * @throws IllegalArgumentException if the text's tokens do not fit the model's context, or their bytes do not spell
     *     the text
     */
    public static ProjectedText of(
            Gpt model, Tokenizer tokenizer, ByteProjection projection, NDManager manager, String text) {
        return of(model, tokenizer, projection, manager, text, CanonicalPath::new);
    }

    /**
     * As {@link #of(Gpt, Tokenizer, ByteProjection, NDManager, String)}, with the projection seeing the teacher
     * through {@code teacherView} (given the text's ids and the forward pass's rows): a model that also answers other
     * contexts, to measure what the one-forward path drops.
     */
    static ProjectedText of(
            Gpt model,
            Tokenizer tokenizer,
            ByteProjection projection,
            NDManager manager,
            String text,
            BiFunction<int[], float[][], TokenModel> teacherView) {
        int[] ids = tokenizer.encodeDocument(text);
        if (ids.length < 2 || ids.length > model.config().context()) {
            throw new IllegalArgumentException(
                    ids.length + " tokens: need 2 to " + model.config().context());
        }
        float[][] logProbs = logProbs(model, manager, ids);
        double tokenNats = 0;
        for (int j = 1; j < ids.length; j++) {
            tokenNats -= tokenizer.isSpecial(ids[j]) ? 0 : logProbs[j - 1][ids[j]];
        }
        byte[] y = ProjectedWindow.spell(tokenizer, ids);
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        int prefix = y.length - t.length; // SentencePiece's dummy "▁", or nothing
        if (prefix < 0 || !Arrays.equals(y, prefix, y.length, t, 0, t.length)) {
            throw new IllegalArgumentException("the tokens' bytes do not end with the text's bytes");
        }
        int context = tokenizer.tokenBytes(ids[0]).length;
        int from = Math.max(prefix, context);
        ByteProjection.Projected p =
                projection.project(teacherView.apply(ids, logProbs), new int[] {ids[0]}, y, context, from);
        return new ProjectedText(
                p.next(), from - prefix, p.nats(), p.droppedNats(), p.skippedNats(), tokenNats, p.boundaryNats());
    }

    /** One forward pass over {@code ids}: log p(· | ids[0..j]) for every j, one row each. */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    static float[][] logProbs(Gpt model, NDManager manager, int[] ids) {
        try (NDManager scope = manager.newSubManager();
                Autograd.NoGrad noGrad = Autograd.noGrad()) {
            long[] x = Arrays.stream(ids).asLongStream().toArray();
            NDArray logits = model.logits(
                    new ParameterStore(scope, false), scope.create(x, new Shape(1, ids.length)), false); // (1, T, V)
            float[] flat = logits.logSoftmax(-1).toFloatArray();
            int v = (int) logits.getShape().get(2);
            float[][] rows = new float[ids.length][];
            for (int j = 0; j < ids.length; j++) {
                rows[j] = Arrays.copyOfRange(flat, j * v, (j + 1) * v);
            }
            return rows;
        }
    }
}
