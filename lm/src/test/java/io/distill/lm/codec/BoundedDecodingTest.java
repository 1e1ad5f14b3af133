package io.distill.lm.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Counts in a payload are claims: every one is checked against the bytes present and the vocabulary before anything
 * of that size is allocated, so a tiny payload cannot make a reader allocate gigabytes (issue 11, item 1).
 */
class BoundedDecodingTest {

    @Test
    void hugeClaimsInATinyPayloadAreRefusedWithoutAllocating() {
        // Each payload is ~10 bytes and claims about 2^31 of something.
        byte[][] payloads = {
            bytes(1, 0, 0x7FFF_FFFE, 1), // gaps: a position claiming 2^31-2 distinct ids
            bytes(1, 1, 0x7FFF_FFFE, 0), // dictionary of 2^31-2 ids
            bytes(1, 1, 200_000, 0), // dictionary larger than the bytes present
        };
        for (byte[] payload : payloads) {
            InvalidPayloadException e = assertTimeoutPreemptively(
                    Duration.ofSeconds(5),
                    () -> assertThrows(
                            InvalidPayloadException.class, () -> new Sampled(255).decode(payload, 1, 262_144)));
            assertEquals(InvalidPayloadException.Reason.MALFORMED_PAYLOAD, e.reason(), e.getMessage());
        }
        // positions claimed by a window far longer than the payload: refused before the per-position arrays
        var e = assertThrows(
                InvalidPayloadException.class, () -> new TopK(32).decode(bytes(1, 0, 0), 0x7FFF_FFF0, 262_144));
        assertEquals(InvalidPayloadException.Reason.MALFORMED_PAYLOAD, e.reason(), e.getMessage());
    }

    @Test
    void theCodecItselfRefusesAbsurdDrawCounts() {
        // The 20-byte record claims sampled:2147483647: no such codec exists.
        assertThrows(IllegalArgumentException.class, () -> Codec.fromWire("SAMPLED", Integer.MAX_VALUE));
    }

    @Test
    void varintsBeyond31BitsAreRefused() {
        byte[] payload = {1, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0x7F};
        var e = assertThrows(InvalidPayloadException.class, () -> new TopK(1).decode(payload, 1, 262_144));
        assertEquals(InvalidPayloadException.Reason.MALFORMED_PAYLOAD, e.reason(), e.getMessage());
    }

    /** The layout byte and mode byte as given, then the rest as LEB128 varints. */
    private static byte[] bytes(int layout, int mode, int... varints) {
        ByteSink out = new ByteSink(16);
        out.write(layout);
        out.write(mode);
        for (int v : varints) {
            Varint.write(out, v);
        }
        return out.toByteArray();
    }
}
