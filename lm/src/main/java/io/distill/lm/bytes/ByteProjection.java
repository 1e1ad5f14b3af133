package io.distill.lm.bytes;

import io.distill.lm.tokenize.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * it; otherwise it is dropped: its mass stays and walks on under a guessed next-token distribution ({@link
 * DroppedCoverGuess}: the latest context the model did run, canonically masked), never looking at the text's bytes from
 * there on. With a model that answers every context nothing is dropped and the result is the exact marginal over every
 * tokenization.
 *
 * <p>Ids with no bytes other than end-of-text (BOS, padding, unknown) would emit nothing; they are not part of the byte
 * model and their mass is renormalised away.
 */
public final class ByteProjection {
    /** The index of "end of text" in a next-byte distribution. */
    public static final int END = 256;
    /** 256 byte values and end of text. */
    public static final int OUTCOMES = 257;

    private final ByteTrie trie;
    private final OptionalInt eos;
    private final DroppedCoverGuess guess;

    /**
     * @param trie the prefix tree of the model's vocabulary bytes
     * @param eos the token whose emission ends the text, if the model has one
     * @param guess what stands in for the contexts the model never ran
     */
    public ByteProjection(ByteTrie trie, OptionalInt eos, DroppedCoverGuess guess) {
        this.trie = trie;
        this.eos = eos;
        this.guess = guess;
    }

    /** With the teacher service's guess, {@link DroppedCoverGuess#CANONICAL}. */
    public ByteProjection(ByteTrie trie, OptionalInt eos) {
        this(trie, eos, DroppedCoverGuess.CANONICAL);
    }

    /** The projection for {@code tokenizer}'s vocabulary bytes and end-of-text token; build once, reuse. */
    public static ByteProjection of(Tokenizer tokenizer) {
        return of(tokenizer, DroppedCoverGuess.CANONICAL);
    }

    /** As {@link #of(Tokenizer)} with another guess for the contexts the model never ran (to measure them). */
    public static ByteProjection of(Tokenizer tokenizer, DroppedCoverGuess guess) {
        byte[][] pieces = new byte[tokenizer.vocabSize()][];
        for (int id = 0; id < pieces.length; id++) {
            pieces[id] = tokenizer.tokenBytes(id);
        }
        return new ByteProjection(ByteTrie.of(pieces), tokenizer.eos(), guess);
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

    /**
     * One cover: a context with its probability (rescaled), and the trie node of its partly emitted next token. A
     * guessed cover stands for dropped contexts the model never ran: no context, a guessed next-token distribution.
     */
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

        boolean guessed() {
            return context == null;
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
        Guesses guesses = new Guesses(first); // nothing dropped before the first byte
        double[][] next = new double[Math.max(0, last - from + 1)][];
        double nats = 0;
        double skippedNats = 0;
        double droppedNats = 0;
        double boundaryNats = Double.NaN;
        for (int i = start; i <= last; i++) {
            if (i > start) {
                covers.addAll(completed(model, covers, guesses));
            }
            double[] mass = new double[OUTCOMES];
            double covered = 0; // P(the text so far...): every cover's mass, special tokens' included
            double atBoundary = 0; // the part of it whose last token ends here
            for (Cover c : covers) {
                double m = 0;
                for (int k = 0; k < trie.childCount(c.node); k++) {
                    double child = c.weight * c.next.child(c.node, k);
                    mass[trie.childByte(c.node, k)] += child;
                    m += child;
                }
                if (c.node == ByteTrie.ROOT) {
                    mass[END] += eos.isPresent() ? c.weight * c.next.of(eos.getAsInt()) : 0;
                    m = c.weight;
                    atBoundary += c.weight;
                }
                covered += m;
            }
            double total = Arrays.stream(mass).sum(); // 1 but for the byte-less specials' (and renormalised) mass
            double[] dist = normalised(mass.clone(), total, i); // mass stays as it is: the weights are rescaled by it
            if (i >= from) {
                next[i - from] = dist;
                droppedNats -= Math.log1p(-guesses.dropped / (covered + guesses.removed));
            }
            if (i == bytes.length) {
                boundaryNats = -Math.log(atBoundary / covered);
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
        return new Projected(next, nats, droppedNats, skippedNats, boundaryNats);
    }

    /**
     * New contexts: every cover whose partly emitted token can end exactly here, extended by that token. A context the
     * model has no forward pass for is dropped into one guessed cover per trie node (its last token's bytes), whose
     * next-token distribution is {@link DroppedCoverGuess}'s from the latest context the model did run.
     */
    private List<Cover> completed(TokenModel model, List<Cover> covers, Guesses guesses) {
        List<Cover> out = new ArrayList<>();
        Map<Integer, Double> dropped = new LinkedHashMap<>(); // trie node of the last token -> mass to guess
        guesses.dropped = 0;
        guesses.removed = 0;
        int[] order = trie.order();
        for (Cover c : covers) {
            if (c.node == ByteTrie.ROOT) {
                continue; // the root's exact ids are the byte-less specials
            }
            boolean ran = false;
            double unrun = 0;
            for (int k = trie.lo(c.node); k < trie.exactEnd(c.node); k++) {
                int id = order[k];
                double w = c.weight * c.next.of(id);
                if (w <= 0) {
                    continue;
                }
                Optional<TokenMass> run = Optional.empty();
                int[] context = null;
                if (!c.guessed()) {
                    context = Arrays.copyOf(c.context, c.context.length + 1);
                    context[c.context.length] = id;
                    run = mass(model.next(context));
                }
                if (run.isPresent()) {
                    out.add(new Cover(context, run.get(), w));
                    guesses.ran(run.get());
                    ran = true;
                } else {
                    unrun += w;
                }
            }
            guesses.dropped += unrun;
            if (guess == DroppedCoverGuess.RENORMALISE || (ran && guess == DroppedCoverGuess.CANONICAL)) {
                guesses.removed += unrun; // another id of the same bytes was run here: a non-canonical duplicate
            } else if (unrun > 0) {
                dropped.merge(c.node, unrun, Double::sum);
            }
        }
        dropped.forEach((node, w) -> out.add(new Cover(null, guesses.at(node), w)));
        return out;
    }

    /** The covers that continue with byte {@code b}, rescaled so that their total mass is 1 (no underflow). */
    private List<Cover> advance(List<Cover> covers, int b, double massOfB) {
        List<Cover> out = new ArrayList<>(covers.size());
        for (Cover c : covers) {
            int child = trie.child(c.node, b);
            if (child >= 0 && !(c.node == ByteTrie.ROOT && c.next.removes(b))) { // a guess may leave out b's tokens
                c.node = child;
                c.weight /= massOfB;
                out.add(c);
            }
        }
        return out;
    }

    /**
     * The guessed distributions at the current byte (from the latest context run, one per dropped token's node), and
     * the mass dropped there: all of it, and the part removed instead of guessed.
     */
    private final class Guesses {
        private TokenMass nearest;
        private final Map<Integer, TokenMass> byNode = new HashMap<>();
        double dropped;
        double removed;

        Guesses(TokenMass first) {
            nearest = first;
        }

        /** A context ending at the current byte was run: the nearest from now on. */
        void ran(TokenMass m) {
            nearest = m;
            byNode.clear();
        }

        TokenMass at(int node) {
            return byNode.computeIfAbsent(node, n -> guess.guess(nearest, n));
        }
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
     * @param droppedNats {@code -sum ln(1 - d_i)} over the positions, d_i the share of position i's mass in covers
     *     dropped there (their context never run): what renormalising would divide out; 0 when exact
     * @param skippedNats the negative log-likelihood of the bytes in {@code [start, from)}, conditioned on only
     * @param boundaryNats {@code -ln P(a token ends at the text's end | the text...)}, the share of the covers after
     *     the whole text whose last token ends exactly there (NaN when the walk stops before the end): {@code nats +
     *     boundaryNats} is {@code -ln} of the sum over the tokenizations of exactly the text, which for a canonical
     *     model is its own tokenization's probability
     */
    public record Projected(
            double[][] next, double nats, double droppedNats, double skippedNats, double boundaryNats) {}
}
