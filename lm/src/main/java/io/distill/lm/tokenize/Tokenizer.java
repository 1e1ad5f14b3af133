package io.distill.lm.tokenize;

import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;

/**
 * What teacher, trainer, eval and generate need from a tokenizer: text to ids and back, its identity, and its
 * document markers.
 *
 * <p>{@link #id()} and {@link #checksum()} travel in every soft-label record, so a student refuses labels made with
 * another tokenizer. The checksum covers what gives the ids their meaning (the vocabulary, the merges, the added and
 * special tokens) and changes if and only if one of them does.
 *
 * <p>{@link #encode} never adds BOS or EOS: the caller starts a document with {@link #bos()} when {@link #addsBos()}
 * says the model was trained so, and windows cut mid-document start without it.
 *
 * <p>Native tokenizers hold memory outside the heap: close them. Closing the byte tokenizer does nothing.
 */
public interface Tokenizer extends AutoCloseable {

    /** A stable name: {@code byte-v1}, or {@code hf-bpe:} and the first 12 hex digits of the checksum. */
    String id();

    /** Lower-case hex sha256 over a canonical description of the vocabulary, merges and added tokens. */
    String checksum();

    /** One more than the largest id; the model's embedding has at least this many rows. */
    int vocabSize();

    /** The ids of {@code text}, without BOS, EOS, truncation or padding. */
    int[] encode(String text);

    /**
     * The exact bytes the ids stand for. Special tokens contribute nothing, so {@code decode(encode(text))} gives the
     * UTF-8 bytes of {@code text} back, and a token that ends mid-character gives its partial bytes.
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    byte[] decode(int[] ids);

    /**
     * The bytes id {@code id} stands for inside a text: what it adds to {@link #decode} of a sequence, before the
     * start-of-text strip of SentencePiece's dummy prefix; empty for special tokens. The byte projection walks these
     * per-id strings ({@code io.distill.lm.bytes}).
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    byte[] tokenBytes(int id);

    /** {@link #decode} read as UTF-8; malformed sequences become U+FFFD (for display, not for round trips). */
    default String decodeText(int[] ids) {
        return new String(decode(ids), StandardCharsets.UTF_8);
    }

    /** A whole document's ids as its model was trained to see them: {@link #bos()} first when {@link #addsBos()}. */
    default int[] encodeDocument(String text) {
        int[] ids = encode(text);
        if (!addsBos() || bos().isEmpty()) {
            return ids;
        }
        int[] withBos = new int[ids.length + 1];
        withBos[0] = bos().getAsInt();
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }

    /** The begin-of-document token, if the tokenizer has one. */
    OptionalInt bos();

    /** The end-of-document token generation stops at, if the tokenizer has one. */
    OptionalInt eos();

    /** Whether the model saw {@link #bos()} at the start of every document in training (Llama 2: yes; GPT-2: no). */
    boolean addsBos();

    /** A marker with no bytes of its own (BOS, EOS, padding, chat markers). */
    boolean isSpecial(int id);

    /** Frees native memory; the tokenizer is unusable afterwards. Does nothing for a pure-Java tokenizer. */
    @Override
    default void close() {}
}
