package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EnvironmentDefaultsTest {
    @Test
    void optionNamesMapToUpperSnakeCaseVariables() {
        assertEquals("DISTILL_BOOTSTRAP", EnvironmentDefaults.variableFor("--bootstrap"));
        assertEquals("DISTILL_CHECKPOINT_EVERY_STEPS", EnvironmentDefaults.variableFor("--checkpoint-every-steps"));
    }
}
