package io.distill.lm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.distill.lm.train.LearningRateSchedule.Decay;
import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    @Test
    void warmupIsLinearUpToThePeak() {
        LearningRateSchedule s = new LearningRateSchedule(1e-3f, 4, Decay.CONSTANT);
        assertEquals(0.25e-3f, s.at(0), 1e-9);
        assertEquals(0.5e-3f, s.at(1), 1e-9);
        assertEquals(1e-3f, s.at(3), 1e-9);
        assertEquals(1e-3f, s.at(4), 1e-9);
        assertEquals(1e-3f, s.at(1_000_000), 1e-9);
    }

    @Test
    void inverseSqrtFallsFromThePeakAfterWarmup() {
        LearningRateSchedule s = new LearningRateSchedule(1e-3f, 100, Decay.INVERSE_SQRT);
        assertEquals(1e-3f, s.at(99), 1e-9);
        assertEquals(1e-3 * Math.sqrt(100.0 / 400), s.at(399), 1e-9);
        assertEquals(1e-4, s.at(9_999), 1e-9);
        for (long step = 100; step < 1000; step++) {
            assertEquals(true, s.at(step) < s.at(step - 1));
        }
    }

    @Test
    void noWarmupStartsAtThePeak() {
        assertEquals(2e-3f, new LearningRateSchedule(2e-3f, 0, Decay.CONSTANT).at(0));
        LearningRateSchedule s = new LearningRateSchedule(2e-3f, 0, Decay.INVERSE_SQRT);
        assertEquals(2e-3f, s.at(0), 1e-9);
        assertEquals(1e-3f, s.at(3), 1e-9);
    }

    @Test
    void invalidSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(0f, 1, Decay.CONSTANT));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(1e-3f, -1, Decay.CONSTANT));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(1e-3f, 1, null));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(1e-3f, 1, Decay.CONSTANT).at(-1));
    }
}
