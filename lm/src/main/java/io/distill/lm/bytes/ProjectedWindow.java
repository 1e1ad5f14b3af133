package io.distill.lm.bytes;

import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.tokenize.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * One token window of a teacher, as a byte-level window: the bytes its targets spell, each with the teacher's
 * next-byte distribution ({@link ByteProjection} over the window's {@link CanonicalPath}), ready to be labelled for a
 * byte-level student ({@link ByteTokenizer}).
 *
 * <p>A token window of L positions carries L + 1 tokens and the forward pass gives L rows of log-probabilities, after
 * {@code tokens[0..j]} for j &lt; L. Its first token is context (its bytes were the previous window's last target), so
 * the bytes predicted are those of {@code tokens[1..L]}, exactly once over a document cut with stride = context. At the
 * document start a SentencePiece dummy prefix is conditioned on and not predicted (it is not part of the text). Covers
 * that started in an earlier window are not carried over: the teacher did not see that window either.
 *
 * @param inputs the byte window: the byte before the first predicted byte (the byte tokenizer's BOS at the start of a
 *     document), then the predicted bytes; ids of {@link ByteTokenizer}
 * @param next {@code next[k]}: the teacher's distribution of byte {@code inputs[k + 1]} over {@link
 *     ByteProjection#OUTCOMES} outcomes (256 bytes, then end of text)
 * @param nats the window's bytes' negative log-likelihood under {@code next}, in nats
 * @param firstByte where the first predicted byte lies in the bytes the token window spells ({@link
 *     Tokenizer#tokenBytes} of all its tokens, a dummy prefix included): how a document offset is found
 */
public record ProjectedWindow(int[] inputs, double[][] next, double nats, int firstByte) {

    /** Byte positions labelled: one per predicted byte. */
    public int positions() {
        return next.length;
    }

    /**
     * @param tokens the token window, L + 1 ids
     * @param logProbs L rows: log p(· | tokens[0..j]) over the model's vocabulary
     * @param documentStart whether the window starts its document (its first token is BOS or the text's first token)
     * @throws IllegalStateException when a byte of the window has probability 0 under every cover the teacher
     *     evaluated (a model that masks tokens out)
     */
    public static ProjectedWindow of(
            Tokenizer tokenizer, ByteProjection projection, int[] tokens, float[][] logProbs, boolean documentStart) {
        int positions = tokens.length - 1;
        if (positions < 1 || logProbs.length != positions) {
            throw new IllegalArgumentException(
                    logProbs.length + " rows of log-probabilities for a window of " + tokens.length + " tokens");
        }
        byte[] spelled = spell(tokenizer, tokens);
        int start = tokenizer.tokenBytes(tokens[0]).length;
        // decode strips the dummy prefix only at the start of a text, which the first window is
        int prefix = documentStart ? spelled.length - tokenizer.decode(tokens).length : 0;
        int from = Math.max(start, prefix);
        ByteProjection.Projected p = projection.projectWithin(
                new CanonicalPath(Arrays.copyOf(tokens, positions), logProbs),
                new int[] {tokens[0]},
                spelled,
                start,
                from);
        int[] inputs = new int[spelled.length - from + 1];
        inputs[0] = from == 0 || (documentStart && from == prefix) ? ByteTokenizer.BOS : spelled[from - 1] & 0xff;
        for (int i = from; i < spelled.length; i++) {
            inputs[i - from + 1] = spelled[i] & 0xff;
        }
        // nothing after the window's last byte: the next window labels that one
        return new ProjectedWindow(inputs, p.next(), p.nats(), from);
    }

    /** The bytes {@code ids} spell, token by token ({@link Tokenizer#tokenBytes}: a dummy prefix included). */
    static byte[] spell(Tokenizer tokenizer, int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(tokenizer.tokenBytes(id));
        }
        return out.toByteArray();
    }
}
