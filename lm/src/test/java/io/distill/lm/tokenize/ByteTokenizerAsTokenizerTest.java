package io.distill.lm.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The byte tokenizer seen only through {@link Tokenizer}, as teacher, trainer, eval and generate will see it. */
class ByteTokenizerAsTokenizerTest {

    private final Tokenizer tok = ByteTokenizer.get();

    @Test
    void documentsStartWithBosAndEndWithEos() {
        assertEquals(OptionalInt.of(256), tok.bos());
        assertEquals(OptionalInt.of(257), tok.eos());
        assertFalse(tok.addsBos()); // the own models are trained on plain byte windows
        assertTrue(tok.isSpecial(256) && tok.isSpecial(258) && !tok.isSpecial(255));
        assertEquals(259, tok.vocabSize());
    }

    @Test
    void encodeAddsNothingAndSpecialsDecodeToNothing() {
        String text = "héllo\t世界 🙂\n";
        int[] ids = tok.encode(text);
        assertEquals(text.getBytes(StandardCharsets.UTF_8).length, ids.length);
        int[] document = new int[ids.length + 2];
        document[0] = tok.bos().getAsInt();
        System.arraycopy(ids, 0, document, 1, ids.length);
        document[ids.length + 1] = tok.eos().getAsInt();
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), tok.decode(document));
        assertEquals(text, tok.decodeText(document));
    }

    @Test
    void identityIsStable() {
        assertEquals("byte-v1", tok.id());
        assertTrue(tok.checksum().matches("[0-9a-f]{64}"));
        assertEquals(ByteTokenizer.get().checksum(), tok.checksum());
        assertFalse(tok.id().startsWith("hf-"));
        assertNotEquals("", tok.checksum());
        tok.close(); // nothing to free; still usable
        assertEquals(1, tok.encode("a").length);
    }
}
