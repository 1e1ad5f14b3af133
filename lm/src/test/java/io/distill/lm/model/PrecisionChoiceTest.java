package io.distill.lm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PrecisionChoiceTest {
    private static final Set<String> BF16_CPU = Set.of("avx2", "avx512f", "avx512_bf16");
    private static final Set<String> PLAIN_CPU = Set.of("avx2", "avx512f");

    @Test
    void autoPicksWhatTheDeviceDoesFast() {
        assertEquals(
                Precision.BF16,
                PrecisionChoice.resolve("auto", Device.cpu(), BF16_CPU).precision());
        assertEquals(
                Precision.FP32,
                PrecisionChoice.resolve("auto", Device.cpu(), PLAIN_CPU).precision());
        assertEquals(
                Precision.FP16,
                PrecisionChoice.resolve("auto", Device.gpu(), PLAIN_CPU).precision());
        assertTrue(
                PrecisionChoice.resolve("auto", Device.cpu(), BF16_CPU).reason().contains("avx512_bf16"));
    }

    @Test
    void explicitChoicesAreKeptAndSlowOnesSaySo() {
        assertEquals(
                Precision.FP32,
                PrecisionChoice.resolve("FP32", Device.cpu(), BF16_CPU).precision());
        var fp16OnCpu = PrecisionChoice.resolve("fp16", Device.cpu(), BF16_CPU);
        assertEquals(Precision.FP16, fp16OnCpu.precision());
        assertTrue(fp16OnCpu.reason().contains("slow"), fp16OnCpu.reason());
        var emulatedBf16 = PrecisionChoice.resolve("bf16", Device.cpu(), PLAIN_CPU);
        assertTrue(emulatedBf16.reason().contains("emulates"), emulatedBf16.reason());
    }

    @Test
    void unknownValuesNameTheAcceptedOnes() {
        var e = assertThrows(
                IllegalArgumentException.class, () -> PrecisionChoice.resolve("int4", Device.cpu(), Set.of()));
        assertTrue(e.getMessage().contains("fp32, bf16, fp16 or auto"), e.getMessage());
    }
}
