package io.distill.lm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingStateTest {

    @Test
    void jsonRoundTripIsExactAndOffsetsAreSorted() {
        TrainingState s = new TrainingState(
                1234,
                987_654_321_000L,
                0.1f, // not a power of two: the float must still come back bit for bit
                1999,
                Map.of("distill.soft-labels-3", 17L, "distill.soft-labels-10", 0L, "a", Long.MAX_VALUE));
        TrainingState back = TrainingState.fromJson(s.toJson());
        assertEquals(s, back);
        assertEquals(Float.floatToRawIntBits(0.1f), Float.floatToRawIntBits(back.lossScale()));
        assertEquals(
                List.of("a", "distill.soft-labels-10", "distill.soft-labels-3"),
                List.copyOf(back.offsets().keySet()));
        String json = new String(s.toJson(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"distill.soft-labels-3\" : 17"), json);
    }

    @Test
    void theTeachersOfAMixingStudentAreKeptAndOlderFilesHaveNone() {
        TrainingState mixed = new TrainingState(3, 40, 1f, 3, Map.of("t-0", 5L), Map.of("gpt2", 0.25, "llama", 0.75));

        TrainingState back = TrainingState.fromJson(mixed.toJson());
        TrainingState old =
                TrainingState.fromJson("{\"step\":1,\"tokensSeen\":2,\"lossScale\":1.0,\"cleanSteps\":0,\"offsets\":{}}"
                        .getBytes(StandardCharsets.UTF_8));

        assertEquals(Map.of("gpt2", 0.25, "llama", 0.75), back.teachers());
        assertEquals(Map.of(), old.teachers());
    }

    @Test
    void impossibleValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TrainingState(-1, 0, 1f, 0, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new TrainingState(0, 0, 0f, 0, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new TrainingState(0, 0, Float.NaN, 0, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new TrainingState(0, 0, 1f, 0, Map.of("p", -1L)));
        assertThrows(IllegalArgumentException.class, () -> new TrainingState(0, 0, 1f, 0, Map.of("", 1L)));
    }

    @Test
    void badFilesNameTheFileAndTheKey() {
        assertMessage("{\"step\":1}", "state.json: missing \"offsets\"");
        assertMessage(
                "{\"step\":1.5,\"tokensSeen\":0,\"lossScale\":1,\"cleanSteps\":0,\"offsets\":{}}",
                "\"step\" must be an integer");
        assertMessage(
                "{\"step\":1,\"tokensSeen\":0,\"lossScale\":1,\"cleanSteps\":0,\"offsets\":{\"p\":\"7\"}}",
                "\"offsets.p\" must be an integer");
        assertMessage("{\"step\":1,\"step\":2}", "Duplicate field 'step'");
        assertMessage("{\"step\":1} x", "not valid JSON");
    }

    private static void assertMessage(String json, String expected) {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> TrainingState.fromJson(json.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("state.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
