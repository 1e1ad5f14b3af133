package io.distill.lm.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ByteTokenizerTest {

    private final ByteTokenizer tok = ByteTokenizer.get();

    @Test
    void vocabularyIsBytesThenSpecials() {
        assertEquals("byte-v1", tok.id());
        assertEquals(259, tok.vocabSize());
        assertEquals(256, ByteTokenizer.BOS);
        assertEquals(257, ByteTokenizer.EOS);
        assertEquals(258, ByteTokenizer.PAD);
        assertTrue(tok.isSpecial(ByteTokenizer.PAD) && !tok.isSpecial(255));
    }

    @Test
    void everyByteRoundTrips() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        int[] ids = tok.encode(all);
        for (int i = 0; i < 256; i++) {
            assertEquals(i, ids[i]);
        }
        assertArrayEquals(all, tok.decode(ids));
    }

    @Test
    void invalidUtf8AndRandomBytesRoundTrip() {
        byte[] invalid = {(byte) 0xff, (byte) 0xc3, 0x28, (byte) 0xe2, (byte) 0x82, 0x00, (byte) 0x80};
        assertArrayEquals(invalid, tok.decode(tok.encode(invalid)));
        SplittableRandom r = new SplittableRandom(7);
        for (int n = 0; n < 50; n++) {
            byte[] b = new byte[r.nextInt(200)];
            r.nextBytes(b);
            assertArrayEquals(b, tok.decode(tok.encode(b)));
        }
        assertArrayEquals(new byte[0], tok.decode(tok.encode(new byte[0])));
    }

    @Test
    void textIsEncodedAsUtf8() {
        String text = "héllo, 世界 🙂";
        int[] ids = tok.encode(text);
        assertEquals(text.getBytes(StandardCharsets.UTF_8).length, ids.length);
        assertEquals(0xc3, ids[1]); // é = c3 a9
        assertEquals(text, tok.decodeText(ids));
    }

    @Test
    void specialsCarryNoBytes() {
        int[] ids = {ByteTokenizer.BOS, 'h', 'i', ByteTokenizer.EOS, ByteTokenizer.PAD, ByteTokenizer.PAD};
        assertEquals("hi", tok.decodeText(ids));
    }

    @Test
    void idsOutsideTheVocabularyAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {259}));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}));
    }

    @Test
    void checksumIsSha256OfTheCanonicalDescriptionAndPinned() {
        String d = tok.canonicalDescription();
        assertTrue(d.startsWith("byte-v1\nvocab 259\n0 byte 0x00\n"));
        assertTrue(d.endsWith("256 special <bos>\n257 special <eos>\n258 special <pad>\n"));
        // Pinned: records carry this value, so any change to the vocabulary must be a new tokenizer id.
        assertEquals("3345935b355840e2ca8607b35b26e8297c12431e020232e66cbaee6ddf42fd8d", tok.checksum());
    }
}
