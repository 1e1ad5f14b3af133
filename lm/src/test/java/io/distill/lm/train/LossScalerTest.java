package io.distill.lm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LossScalerTest {

    @Test
    void startsAt2To16AndDoublesAfter2000CleanSteps() {
        LossScaler scaler = LossScaler.dynamic();
        assertEquals(65536f, scaler.scale());
        for (int i = 0; i < 1999; i++) {
            scaler.update(true);
        }
        assertEquals(65536f, scaler.scale());
        scaler.update(true);
        assertEquals(131072f, scaler.scale());
        assertEquals(0, scaler.cleanSteps());
    }

    @Test
    void halvesAndRestartsTheCountOnAnOverflow() {
        LossScaler scaler = LossScaler.dynamic();
        for (int i = 0; i < 1500; i++) {
            scaler.update(true);
        }
        scaler.update(false);
        assertEquals(32768f, scaler.scale());
        assertEquals(0, scaler.cleanSteps());
        for (int i = 0; i < 1999; i++) {
            scaler.update(true);
        }
        assertEquals(32768f, scaler.scale(), "growth needs 2000 clean steps after the overflow");
    }

    @Test
    void disabledStaysAtOne() {
        LossScaler scaler = LossScaler.disabled();
        scaler.update(false);
        for (int i = 0; i < 2000; i++) {
            scaler.update(true);
        }
        assertEquals(1f, scaler.scale());
    }
}
