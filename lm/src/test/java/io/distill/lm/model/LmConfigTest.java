package io.distill.lm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.lm.tokenize.ByteTokenizer;
import org.junit.jupiter.api.Test;

class LmConfigTest {

    @Test
    void namedSizesHaveTheAdvertisedParameterCounts() {
        assertEquals(35_808, LmConfig.named("tiny").parameterCount());
        long student = LmConfig.named("student-1m").parameterCount();
        long teacher = LmConfig.named("teacher-15m").parameterCount();
        assertEquals(1_057_536, student);
        assertEquals(14_394_240, teacher);
        assertTrue(student > 900_000 && student < 1_200_000);
        assertTrue(teacher > 10_000_000 && teacher < 20_000_000);
        for (String name : LmConfig.NAMES) {
            assertEquals(ByteTokenizer.VOCAB_SIZE, LmConfig.named(name).vocab());
        }
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LmConfig.named("huge"));
        assertTrue(e.getMessage().contains("teacher-15m"), e.getMessage());
    }

    @Test
    void invalidShapesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> LmConfig.gpt(0, 2, 32, 64, 259, 0f));
        assertThrows(IllegalArgumentException.class, () -> LmConfig.gpt(2, 3, 32, 64, 259, 0f));
        assertThrows(IllegalArgumentException.class, () -> LmConfig.gpt(2, 2, 32, -1, 259, 0f));
        assertThrows(IllegalArgumentException.class, () -> LmConfig.gpt(2, 2, 32, 64, 259, 1f));
        assertThrows(IllegalArgumentException.class, () -> LmConfig.gpt(2, 2, 32, 64, 259, Float.NaN));
    }

    @Test
    void jsonRoundTrips() {
        LmConfig c = LmConfig.gpt(3, 4, 64, 128, 259, 0.1f);
        String json = c.toJson();
        assertEquals("{\"layers\":3,\"heads\":4,\"dModel\":64,\"context\":128,\"vocab\":259,\"dropout\":0.1}", json);
        assertEquals(c, LmConfig.fromJson(json));
        assertEquals(
                c,
                LmConfig.fromJson(" {\n \"dropout\" : 0.1, \"vocab\":259,\"context\":128,"
                        + "\"dModel\":64,\"heads\":4,\"layers\":3 }\n"));
        for (String name : LmConfig.NAMES) {
            assertEquals(
                    LmConfig.named(name), LmConfig.fromJson(LmConfig.named(name).toJson()));
        }
    }

    @Test
    void badJsonIsRefusedWithAReason() {
        String ok = LmConfig.named("tiny").toJson();
        assertThrows(IllegalArgumentException.class, () -> LmConfig.fromJson(ok.replace("\"vocab\":259,", "")));
        assertThrows(
                IllegalArgumentException.class, () -> LmConfig.fromJson(ok.replace("\"vocab\"", "\"vocabulary\"")));
        assertThrows(IllegalArgumentException.class, () -> LmConfig.fromJson(ok.replace("2", "2.5")));
        assertThrows(IllegalArgumentException.class, () -> LmConfig.fromJson(ok + "x"));
        assertThrows(IllegalArgumentException.class, () -> LmConfig.fromJson("{\"layers\":\"2\"}"));
        assertThrows(IllegalArgumentException.class, () -> LmConfig.fromJson("{\"layers\":2,\"layers\":2}"));
        assertThrows(IllegalArgumentException.class, () -> LmConfig.fromJson(""));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> LmConfig.fromJson(ok.replace("\"heads\":2", "\"heads\":3")));
        assertTrue(e.getMessage().contains("divisible"), e.getMessage());
    }
}
