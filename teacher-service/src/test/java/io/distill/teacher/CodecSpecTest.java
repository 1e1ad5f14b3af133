package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.schemas.CodecKind;
import org.junit.jupiter.api.Test;

class CodecSpecTest {
    @Test
    void parsesBothKindsAndPrintsThemBack() {
        assertEquals(new CodecSpec(CodecKind.TOPK, 32), CodecSpec.parse("topk:32"));
        assertEquals(new CodecSpec(CodecKind.SAMPLED, 12), CodecSpec.parse(" Sampled:12 "));
        assertEquals("sampled:12", CodecSpec.parse("sampled:12").toString());
        assertEquals(CodecKind.TOPK, CodecSpec.DEFAULT.toAvro().getKind());
    }

    @Test
    void refusesWhatItCannotEncode() {
        for (String bad : new String[] {"topk", "topk:", "topk:x", "dense:4", "topk:0", "sampled:256", "topk:3:4"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> CodecSpec.parse(bad), bad);
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        }
    }
}
