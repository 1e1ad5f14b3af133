package io.distill.lm.bytes;

import io.distill.lm.tokenize.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The next-byte distributions of a token-level model along a byte string: for every position {@code i}, P(next byte
 * = b | bytes before i) for the 256 byte values and {@link #END} (the model emits its end-of-text token there).
 *
 * <p>The byte-level model is the token model pushed through decoding: the probability that the text starts with
 * {@code y} is the sum over its covering token sequences (Phan et al. 2024, Vieira et al. 2024), the sequences {@code
 * t} whose bytes start with {@code y} while all but their last token lie strictly inside {@code y}: {@code P(y...) =
 * sum p(t)}. The walk keeps those covers as hypotheses, a context with its probability and a node of the vocabulary's
 * {@link ByteTrie} for the partly emitted last token, and reads the next-byte masses off the trie. A hypothesis whose
 * last token ends exactly at the current byte becomes a new context, if the {@link TokenModel} has a forward pass for
 * it; otherwise its mass is dropped and the distribution renormalised over what is kept. With a model that answers every
 * context nothing is dropped and the result is the exact marginal over every tokenization.
 *
 * <p>Ids with no bytes other than end-of-text (BOS, padding, unknown) would emit nothing; they are not part of the byte
 * model and their mass is renormalised away like a dropped hypothesis.
 */
public final class ByteProjection {
    /** The index of "end of text" in a next-byte distribution. */
    public static final int END = 256;
    /** 256 byte values and end of text. */
    public static final int OUTCOMES = 257;

    private final ByteTrie trie;
    private final OptionalInt eos;

    /**
     * @param trie the prefix tree of the model's vocabulary bytes
     * @param eos the token whose emission ends the text, if the model has one
     */
    public ByteProjection(ByteTrie trie, OptionalInt eos) {
        this.trie = trie;
        this.eos = eos;
    }

    /** The projection for {@code tokenizer}'s vocabulary bytes and end-of-text token; build once, reuse. */
    public static ByteProjection of(Tokenizer tokenizer) {
        byte[][] pieces = new byte[tokenizer.vocabSize()][];
        for (int id = 0; id < pieces.length; id++) {
            pieces[id] = tokenizer.tokenBytes(id);
        }
        return new ByteProjection(ByteTrie.of(pieces), tokenizer.eos());
    }

    /**
     * The first byte value no token starts with, if any: a text holding it has no tokenization, so the projection is
     * defined for every text only when this is empty (byte-level BPE, or byte fallback).
     */
    public OptionalInt firstUnspellableByte() {
        for (int b = 0; b < 256; b++) {
            if (trie.child(ByteTrie.ROOT, b) < 0) {
                return OptionalInt.of(b);
            }
        }
        return OptionalInt.empty();
    }

    /** One cover: a context with its probability (rescaled), and the trie node of its partly emitted next token. */
    private static final class Cover {
        final int[] context;
        final TokenMass next;
        int node;
        double weight;

        Cover(int[] context, TokenMass next, double weight) {
            this.context = context;
            this.next = next;
            this.node = ByteTrie.ROOT;
            this.weight = weight;
        }
    }

    /**
     * The next-byte distributions at positions {@code start .. bytes.length} of {@code bytes}; the one at {@code
     * bytes.length} is what the model says after the whole string.
     *
     * @param context the tokens the model has already seen, e.g. BOS, or the first token of a text without BOS
     * @param bytes the bytes of the text as the tokens spell them ({@code context}'s bytes first)
     * @param start where the context's bytes end: the first position predicted
     * @throws IllegalArgumentException if {@code model} cannot evaluate {@code context}
     * @throws IllegalStateException if a byte of the text has probability zero under every kept cover
     */
    public Projected project(TokenModel model, int[] context, byte[] bytes, int start) {
        return project(model, context, bytes, start, start);
    }

    /**
     * As {@link #project(TokenModel, int[], byte[], int)}, walking from {@code start} but returning distributions from
     * {@code from} only: bytes in between (a SentencePiece dummy prefix) are conditioned on, and their nats reported
     * apart as {@link Projected#skippedNats}.
     */
    public Projected project(TokenModel model, int[] context, byte[] bytes, int start, int from) {
        return walk(model, context, bytes, start, from, bytes.length);
    }

    /**
     * As {@link #project(TokenModel, int[], byte[], int, int)} without the distribution after the last byte: for a
     * window whose model stops at its last token (the byte after it may need a context it never evaluated).
     */
    public Projected projectWithin(TokenModel model, int[] context, byte[] bytes, int start, int from) {
        return walk(model, context, bytes, start, from, bytes.length - 1);
    }

    /** The walk, with distributions at positions {@code from .. last}. */
    private Projected walk(TokenModel model, int[] context, byte[] bytes, int start, int from, int last) {
        if (start < 0 || from < start || from > bytes.length) {
            throw new IllegalArgumentException(
                    "positions " + start + ", " + from + " outside the " + bytes.length + " bytes");
        }
        TokenMass first = mass(model.next(context))
                .orElseThrow(() -> new IllegalArgumentException(
                        "the model has no next-token distribution for the starting context "
                                + Arrays.toString(context)));
        List<Cover> covers = new ArrayList<>();
        covers.add(new Cover(context, first, 1.0));
        double[][] next = new double[Math.max(0, last - from + 1)][];
        double nats = 0;
        double skippedNats = 0;
        double droppedNats = 0;
        for (int i = start; i <= last; i++) {
            if (i > start) {
                covers.addAll(completed(model, covers));
            }
            double[] mass = new double[OUTCOMES];
            for (Cover c : covers) {
                for (int k = 0; k < trie.childCount(c.node); k++) {
                    mass[trie.childByte(c.node, k)] += c.weight * c.next.child(c.node, k);
                }
                if (c.node == ByteTrie.ROOT && eos.isPresent()) {
                    mass[END] += c.weight * c.next.of(eos.getAsInt());
                }
            }
            double kept = Arrays.stream(mass).sum(); // 1 when nothing was dropped since the last byte
            double[] dist = normalised(mass.clone(), kept, i); // mass stays as it is: the weights are rescaled by it
            if (i >= from) {
                next[i - from] = dist;
                droppedNats -= Math.log(kept);
            }
            if (i == bytes.length) {
                break;
            }
            int b = bytes[i] & 0xff;
            if (mass[b] <= 0) {
                throw new IllegalStateException("byte " + i + " (0x" + Integer.toHexString(b)
                        + ") has probability 0 under every token sequence the model evaluated");
            }
            if (i >= from) {
                nats -= Math.log(dist[b]);
            } else {
                skippedNats -= Math.log(dist[b]);
            }
            covers = advance(covers, b, mass[b]);
        }
        return new Projected(next, nats, droppedNats, skippedNats);
    }

    /** New contexts: every cover whose partly emitted token can end exactly here, extended by that token. */
    private List<Cover> completed(TokenModel model, List<Cover> covers) {
        List<Cover> out = new ArrayList<>();
        int[] order = trie.order();
        for (Cover c : covers) {
            if (c.node == ByteTrie.ROOT) {
                continue; // the root's exact ids are the byte-less specials
            }
            for (int k = trie.lo(c.node); k < trie.exactEnd(c.node); k++) {
                int id = order[k];
                double w = c.weight * c.next.of(id);
                if (w <= 0) {
                    continue;
                }
                int[] context = Arrays.copyOf(c.context, c.context.length + 1);
                context[c.context.length] = id;
                mass(model.next(context)).ifPresent(m -> out.add(new Cover(context, m, w)));
            }
        }
        return out;
    }

    /** The covers that continue with byte {@code b}, rescaled so that their total mass is 1 (no underflow). */
    private List<Cover> advance(List<Cover> covers, int b, double massOfB) {
        List<Cover> out = new ArrayList<>(covers.size());
        for (Cover c : covers) {
            int child = trie.child(c.node, b);
            if (child >= 0) {
                c.node = child;
                c.weight /= massOfB;
                out.add(c);
            }
        }
        return out;
    }

    private Optional<TokenMass> mass(Optional<double[]> p) {
        return p.map(q -> new TokenMass(trie, q));
    }

    private static double[] normalised(double[] mass, double kept, int position) {
        if (!(kept > 0)) {
            throw new IllegalStateException(
                    "no token sequence the model evaluated covers the text at byte " + position);
        }
        for (int b = 0; b < mass.length; b++) {
            mass[b] /= kept;
        }
        return mass;
    }

    /**
     * @param next {@code next[k]}: the distribution over the byte at position {@code from + k} (257 outcomes)
     * @param nats the text's negative log-likelihood under them, bytes {@code from ..} to the end
     * @param droppedNats how much of that comes from renormalising after dropped covers: 0 when exact
     * @param skippedNats the negative log-likelihood of the bytes in {@code [start, from)}, conditioned on only
     */
    public record Projected(double[][] next, double nats, double droppedNats, double skippedNats) {}
}
