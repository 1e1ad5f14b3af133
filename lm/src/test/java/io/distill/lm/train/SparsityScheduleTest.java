package io.distill.lm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SparsityScheduleTest {

    // s_i = 0.1, s_f = 0.9, t0 = 100, n * dt = 1000 (n = 10, dt = 100)
    private final SparsitySchedule s = new SparsitySchedule(0.1, 0.9, 100, 1100, 100);

    @Test
    void cubicFromInitialToTarget() {
        assertEquals(0.0, s.at(99), "dense before the start");
        assertEquals(0.1, s.at(100), 1e-12, "s_i at t0");
        // t = 600: 0.9 + (0.1 - 0.9) * (1 - 500/1000)^3 = 0.9 - 0.8 * 0.125 = 0.8
        assertEquals(0.8, s.at(600), 1e-12);
        // t = 200: 0.9 - 0.8 * 0.9^3 = 0.9 - 0.5832 = 0.3168
        assertEquals(0.3168, s.at(200), 1e-12);
        assertEquals(0.9, s.at(1100), 1e-12, "s_f at t0 + n dt");
        assertEquals(0.9, s.at(5000), "and after");
    }

    @Test
    void masksChangeEveryDtFromStartToEnd() {
        assertFalse(s.isPruningStep(0));
        assertTrue(s.isPruningStep(100));
        assertFalse(s.isPruningStep(150));
        assertTrue(s.isPruningStep(1100));
        assertFalse(s.isPruningStep(1200));
    }

    @Test
    void inconsistentSchedulesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SparsitySchedule(0.5, 0.4, 0, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> new SparsitySchedule(0, 1.0, 0, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> new SparsitySchedule(0, 0.5, 10, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> new SparsitySchedule(0, 0.5, 0, 10, 3));
    }
}
