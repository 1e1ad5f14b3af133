package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PendingWindowTest {
    @Test
    void roundTripsThroughItsStoreBytes() {
        PendingWindow w = new PendingWindow("ünï-id", 3, new int[] {1, 256, 258, 0}, -1L, 2, 1L << 40, 17L);
        PendingWindow back = PendingWindow.fromBytes(w.toBytes());
        assertEquals("ünï-id", back.sampleId());
        assertEquals(3, back.window());
        assertArrayEquals(w.tokens(), back.tokens());
        assertEquals(-1L, back.byteStart());
        assertEquals(2, back.sourcePartition());
        assertEquals(1L << 40, back.sourceOffset());
        assertEquals(17L, back.timestamp());
        assertEquals(3, back.positions());
    }

    @Test
    void storeKeysSortInInputOrder() {
        assertTrue(PendingWindow.storeKey(1, 5).compareTo(PendingWindow.storeKey(2, 0)) < 0);
        assertTrue(PendingWindow.storeKey(255, 0).compareTo(PendingWindow.storeKey(256, 0)) < 0);
        assertTrue(PendingWindow.storeKey(7, 1).compareTo(PendingWindow.storeKey(7, 2)) < 0);
        assertTrue(PendingWindow.storeKey(7, 127).compareTo(PendingWindow.storeKey(7, 128)) < 0);
    }

    @Test
    void foreignBytesAreAnError() {
        assertThrows(IllegalStateException.class, () -> PendingWindow.fromBytes(new byte[] {9, 0}));
    }
}
