package io.distill.lm.bytes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The projection against brute force: a small BPE-like vocabulary, a hand-written context-dependent token model, and
 * the exact next-byte marginals from enumerating every tokenization ({@link BruteForce}).
 */
class ByteProjectionTest {

    /** The hand-checkable case: a context-free model over {a, b, ab, EOS}. */
    @Test
    void unigramModelGivesTheHandComputedMarginals() {
        byte[][] pieces = {bytes("a"), bytes("b"), bytes("ab"), new byte[0]};
        double[] p = {0.3, 0.2, 0.4, 0.1};
        TokenModel unigram = context -> Optional.of(p);
        ByteProjection projection = new ByteProjection(ByteTrie.of(pieces), OptionalInt.of(3));

        double[][] next = projection.project(unigram, new int[0], bytes("a"), 0).next();

        // first byte: 'a' from a or ab, 'b' from b, end from EOS
        assertEquals(0.7, next[0]['a'], 1e-12);
        assertEquals(0.2, next[0]['b'], 1e-12);
        assertEquals(0.1, next[0][ByteProjection.END], 1e-12);
        // after "a": P("ab"...) = p(ab) + p(a) p(b) = 0.46, P("aa"...) = p(a) (p(a) + p(ab)) = 0.21,
        // P("a", end) = p(a) p(EOS) = 0.03, all over P("a"...) = 0.7
        assertEquals(0.46 / 0.7, next[1]['b'], 1e-12);
        assertEquals(0.21 / 0.7, next[1]['a'], 1e-12);
        assertEquals(0.03 / 0.7, next[1][ByteProjection.END], 1e-12);
    }

    /**
     * The unigram model again, answering only the empty context: after "a", the cover that completed "a" needs the
     * context [a], which was never run. Its mass 0.3 stays and is guessed from the nearest context run (the empty one).
     */
    @Test
    void aDroppedCoverIsGuessedFromTheNearestContextRun() {
        byte[][] pieces = {bytes("a"), bytes("b"), bytes("ab"), new byte[0]};
        double[] p = {0.3, 0.2, 0.4, 0.1};
        TokenModel onlyTheStart = context -> context.length == 0 ? Optional.of(p) : Optional.empty();
        ByteTrie trie = ByteTrie.of(pieces);

        double[] firstBytes = new ByteProjection(trie, OptionalInt.of(3), DroppedCoverGuess.FIRST_BYTES)
                .project(onlyTheStart, new int[0], bytes("a"), 0)
                .next()[1];
        // a context-free model's guess is its truth: the exact marginals of the test above
        assertEquals(0.46 / 0.7, firstBytes['b'], 1e-12);
        assertEquals(0.21 / 0.7, firstBytes['a'], 1e-12);
        assertEquals(0.03 / 0.7, firstBytes[ByteProjection.END], 1e-12);

        ByteProjection.Projected unmerged = new ByteProjection(trie, OptionalInt.of(3), DroppedCoverGuess.CANONICAL)
                .project(onlyTheStart, new int[0], bytes("a"), 0);
        // "a" then "b..." would have been "ab": without b, the guess is {a .3, ab .4, EOS .1} / 0.8
        assertEquals(0.4 / 0.7, unmerged.next()[1]['b'], 1e-12);
        assertEquals(0.3 * 0.7 / 0.8 / 0.7, unmerged.next()[1]['a'], 1e-12);
        assertEquals(0.3 * 0.1 / 0.8 / 0.7, unmerged.next()[1][ByteProjection.END], 1e-12);
        assertEquals(-Math.log(1 - 0.3 / 0.7), unmerged.droppedNats(), 1e-12, "the share dropped after \"a\"");

        double[] renormalised = new ByteProjection(trie, OptionalInt.of(3), DroppedCoverGuess.RENORMALISE)
                .project(onlyTheStart, new int[0], bytes("a"), 0)
                .next()[1];
        assertEquals(1.0, renormalised['b'], 1e-12, "the former approximation: only \"ab\" is left");
    }

    @Test
    void everyTokenizationMatchesBruteForce() {
        SmallBpe bpe = new SmallBpe();
        ByteProjection projection = new ByteProjection(ByteTrie.of(SmallBpe.PIECES), OptionalInt.of(SmallBpe.EOS));
        for (String text : new String[] {"abcab", "cabcbca", "abé\u00e9a", "bbcaab"}) {
            byte[] y = bytes(text);
            ByteProjection.Projected got = projection.project(bpe::next, new int[] {SmallBpe.BOS}, y, 0);
            BruteForce exact = new BruteForce(SmallBpe.PIECES, bpe::next, SmallBpe.EOS);
            double nats = 0;
            for (int i = 0; i <= y.length; i++) {
                double[] want = exact.nextByte(new int[] {SmallBpe.BOS}, Arrays.copyOf(y, i));
                double[] have = got.next()[i];
                assertEquals(1.0, Arrays.stream(have).sum(), 1e-12, text + " sums to 1 at " + i);
                assertEquals(1.0, Arrays.stream(want).sum(), 1e-12, "brute force sums to 1 at " + i);
                for (int b = 0; b < ByteProjection.OUTCOMES; b++) {
                    assertEquals(want[b], have[b], 1e-5, text + " at byte " + i + ", outcome " + b);
                }
                if (i < y.length) {
                    nats -= Math.log(want[y[i] & 0xff]);
                }
            }
            assertEquals(nats, got.nats(), 1e-9, "the text's nats are the chain rule over the exact marginals");
            assertEquals(0.0, got.droppedNats(), 1e-12, "nothing dropped with every context evaluated");
            // the chain rule, end included: P(text, end) = sum over its tokenizations of p(t) p(EOS | t)
            double end = -Math.log(got.next()[y.length][ByteProjection.END]);
            assertEquals(-Math.log(exact.complete(new int[] {SmallBpe.BOS}, y)), got.nats() + end, 1e-9);
            // and "a token ends at the text's end": the sum over the tokenizations of exactly the text
            assertEquals(-Math.log(exact.exactly(new int[] {SmallBpe.BOS}, y)), got.nats() + got.boundaryNats(), 1e-9);
        }
    }

    @Test
    void aCoverNotInTheVocabularyPrefixIsRefused() {
        SmallBpe bpe = new SmallBpe();
        ByteProjection projection = new ByteProjection(ByteTrie.of(SmallBpe.PIECES), OptionalInt.of(SmallBpe.EOS));
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalStateException.class,
                () -> projection.project(bpe::next, new int[] {SmallBpe.BOS}, bytes("abz"), 0));
        assertTrue(e.getMessage().contains("byte 2"), e.getMessage());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
