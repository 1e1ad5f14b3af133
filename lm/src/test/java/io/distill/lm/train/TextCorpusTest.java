package io.distill.lm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TextCorpusTest {

    @Test
    void everyTwentiethBlockIsHeldOutAndNothingIsLost() {
        byte[] text = new byte[TextCorpus.BLOCK_BYTES * 40 + 100];
        for (int i = 0; i < text.length; i++) {
            text[i] = (byte) (i / TextCorpus.BLOCK_BYTES); // each block has its own byte value
        }

        TextCorpus corpus = TextCorpus.of(text, 0.05);

        assertEquals(text.length, corpus.trainTokens() + corpus.holdoutTokens());
        assertEquals(2 * TextCorpus.BLOCK_BYTES, corpus.holdoutTokens());
        int[] holdout = corpus.holdout();
        assertEquals(10, holdout[0], "block 10 is the first held out");
        assertEquals(30, holdout[TextCorpus.BLOCK_BYTES], "then block 30");
        // no training window ever contains a held-out block's byte value
        SplittableRandom random = new SplittableRandom(1);
        for (int[] window : corpus.trainWindows(random, 200, 64)) {
            for (int token : window) {
                assertTrue(token != 10 && token != 30, "held-out byte in a training window");
            }
        }
    }

    @Test
    void aSmallCorpusStillHoldsOutItsLastBlock() {
        byte[] text = "abc".repeat(2000).getBytes(StandardCharsets.UTF_8);

        TextCorpus corpus = TextCorpus.of(text, 0.05);

        assertEquals(6000 - TextCorpus.BLOCK_BYTES, corpus.holdoutTokens());
    }

    @Test
    void tooLittleTextIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> TextCorpus.of(new byte[100], 0.05));
        assertTrue(e.getMessage().contains("at least"), e.getMessage());
    }

    @Test
    void unigramEntropyMatchesHandComputation() {
        assertEquals(0.0, TextCorpus.unigramEntropyBitsOf("aaaa".getBytes(StandardCharsets.US_ASCII)), 1e-12);
        assertEquals(1.0, TextCorpus.unigramEntropyBitsOf("abab".getBytes(StandardCharsets.US_ASCII)), 1e-12);
        assertEquals(2.0, TextCorpus.unigramEntropyBitsOf("abcd".getBytes(StandardCharsets.US_ASCII)), 1e-12);
    }
}
