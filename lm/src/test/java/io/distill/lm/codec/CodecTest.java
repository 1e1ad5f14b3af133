package io.distill.lm.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CodecTest {
    @Test
    void parsesBothKindsAndPrintsThemBack() {
        assertEquals(new TopK(32), Codec.parse("topk:32"));
        assertEquals(new Sampled(12), Codec.parse(" Sampled:12 "));
        assertEquals("sampled:12", Codec.parse("sampled:12").toString());
        assertEquals("TOPK", Codec.DEFAULT.wireKind());
        assertEquals(new Sampled(12), Codec.fromWire("SAMPLED", 12));
    }

    @Test
    void refusesWhatItCannotEncode() {
        for (String bad : new String[] {"topk", "topk:", "topk:x", "dense:4", "topk:0", "sampled:256", "topk:3:4"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Codec.parse(bad), bad);
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Codec.fromWire("SAMPLED", Integer.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> new TopK(300).checkVocabulary(259));
    }
}
