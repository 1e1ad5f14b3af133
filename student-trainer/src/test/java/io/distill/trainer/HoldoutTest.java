package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

class HoldoutTest {

    @Test
    void bucketIsMurmur2OfTheUtf8IdMadePositiveModulo10000() {
        String id = "doc-ünï-42";
        int expected = (Utils.murmur2(id.getBytes(StandardCharsets.UTF_8)) & 0x7fffffff) % 10_000;
        assertEquals(expected, Holdout.bucket(id));
        assertEquals(Holdout.bucket(id), Holdout.bucket(new String(id.toCharArray())), "same id, same bucket");
    }

    @Test
    void theSliceHasTheRequestedSizeAndIsNested() {
        Holdout one = new Holdout(1);
        Holdout ten = new Holdout(10);
        int inOne = 0;
        int inTen = 0;
        for (int i = 0; i < 100_000; i++) {
            String id = "sample-" + i;
            boolean a = one.isHeldOut(id);
            boolean b = ten.isHeldOut(id);
            inOne += a ? 1 : 0;
            inTen += b ? 1 : 0;
            assertTrue(!a || b, "the 1% slice lies inside the 10% slice");
        }
        assertEquals(1_000, inOne, 150);
        assertEquals(10_000, inTen, 500);
    }

    @Test
    void zeroHoldsNothingAndHundredHoldsEverything() {
        for (int i = 0; i < 1000; i++) {
            assertFalse(new Holdout(0).isHeldOut("s" + i));
            assertTrue(new Holdout(100).isHeldOut("s" + i));
        }
    }

    @Test
    void percentOutsideZeroToHundredIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Holdout(-1));
        assertThrows(IllegalArgumentException.class, () -> new Holdout(100.5));
        assertThrows(IllegalArgumentException.class, () -> new Holdout(Double.NaN));
    }
}
