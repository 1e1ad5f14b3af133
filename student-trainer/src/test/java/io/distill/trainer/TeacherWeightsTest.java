package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TeacherWeightsTest {

    @Test
    void weightsAreRenormalisedToSumToOne() {
        TeacherWeights w = TeacherWeights.parse("gpt2-tiny=1, llama-tiny=3");

        assertEquals(0.25, w.weight("gpt2-tiny"), 1e-12);
        assertEquals(0.75, w.weight("llama-tiny"), 1e-12);
    }

    @Test
    void badSpecsAreRefusedInOneLine() {
        for (String bad :
                new String[] {"a=0.5", "a=0.5,b", "a=0.5,a=0.5", "a=x,b=1", "a=0,b=1", "a=-1,b=2", "=1,b=1"}) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> TeacherWeights.parse(bad), bad);
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
    }

    @Test
    void theAnnouncementCarriesTheTeachersAndTheirWeightsBesideTheFigures() {
        Map<String, Double> announced =
                Publisher.announced(Map.of("holdout_bits_per_byte", 2.5), Optional.of(TeacherWeights.parse("a=1,b=1")));

        assertEquals(Map.of("holdout_bits_per_byte", 2.5, "teacher_weight.a", 0.5, "teacher_weight.b", 0.5), announced);
        assertEquals(Map.of("x", 1.0), Publisher.announced(Map.of("x", 1.0), Optional.empty()));
    }
}
