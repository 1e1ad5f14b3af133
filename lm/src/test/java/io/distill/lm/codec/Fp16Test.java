package io.distill.lm.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Fp16Test {

    @Test
    void knownValues() {
        assertEquals((short) 0x3C00, Fp16.fromFloat(1f));
        assertEquals((short) 0xC000, Fp16.fromFloat(-2f));
        assertEquals((short) 0x7BFF, Fp16.fromFloat(65504f)); // largest finite half
        assertEquals((short) 0x7C00, Fp16.fromFloat(65520f)); // rounds up to infinity
        assertEquals((short) 0x0001, Fp16.fromFloat(0x1p-24f)); // smallest subnormal
        assertEquals((short) 0x0000, Fp16.fromFloat(0x1p-26f)); // underflows to zero
        assertEquals((short) 0x3555, Fp16.fromFloat(1f / 3f));
        assertTrue(Float.isNaN(Fp16.toFloat(Fp16.fromFloat(Float.NaN))));
    }

    @Test
    void everyHalfValueRoundTripsExactly() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short half = (short) bits;
            float f = Fp16.toFloat(half);
            if (Float.isNaN(f)) {
                continue;
            }
            assertEquals(half, Fp16.fromFloat(f), "half bits 0x" + Integer.toHexString(bits));
        }
    }

    @Test
    void roundsToNearestEven() {
        // 1 + 2^-11 lies exactly between 1 and the next half (1 + 2^-10): ties go to the even mantissa, 1.
        assertEquals((short) 0x3C00, Fp16.fromFloat(1f + 0x1p-11f));
        // 1 + 3 * 2^-11 lies between 1 + 2^-10 (odd) and 1 + 2^-9 (even): goes up.
        assertEquals((short) 0x3C02, Fp16.fromFloat(1f + 3 * 0x1p-11f));
        // relative error of any normal value stays within 2^-11
        for (float x = 1e-4f; x < 6e4f; x *= 1.37f) {
            float back = Fp16.toFloat(Fp16.fromFloat(x));
            assertTrue(Math.abs(back - x) <= x * 0x1p-11f, x + " -> " + back);
        }
    }
}
