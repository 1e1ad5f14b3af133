package io.distill.lm.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.function.Executable;

/** Hand-made and random {@code sampled:N} payloads for the decoders' checks, one home for every layout's tests. */
final class CraftedPayloads {
    private CraftedPayloads() {}

    /** The start of a one-position payload: the layout byte and the id section of ids 0, 1, ..., D - 1. */
    static ByteSink onePosition(int layout, int distinct) {
        byte[] start = IdSection.payload(
                layout, new int[][] {IntStream.range(0, distinct).toArray()}, true, new ByteSink(0));
        ByteSink out = new ByteSink(start.length + 16);
        for (byte b : start) {
            out.write(b);
        }
        return out;
    }

    /** The bytes of the id section the encoder writes for {@code ids} (ascending per position), mode byte included. */
    static int idSectionBytes(int[][] ids, boolean counts) {
        return IdSection.payload(0, ids, counts, new ByteSink(0)).length - 1;
    }

    /** {@code out} with {@code bytes} after it, as a payload. */
    static byte[] then(ByteSink out, int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return out.toByteArray();
    }

    /**
     * Decodes 20,000 payloads of random bytes after the layout byte as {@code sampled:255}: each is refused with an
     * {@link InvalidPayloadException} (what the trainer dead-letters) or decodes into weights that {@code check}
     * accepts; nothing else may happen.
     */
    static void decodeRandomBytes(int layout, long seed, Consumer<float[]> check) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 20_000; i++) {
            byte[] junk = new byte[1 + random.nextInt(24)];
            for (int j = 1; j < junk.length; j++) {
                junk[j] = (byte) random.nextInt(256);
            }
            junk[0] = (byte) layout;
            try {
                for (float[] weights : new Sampled(255)
                        .decode(junk, 1 + random.nextInt(3), 259)
                        .weights()) {
                    check.accept(weights);
                }
            } catch (InvalidPayloadException expected) {
                // refused with a reason
            }
        }
    }

    static void assertMalformed(Executable decode) {
        var e = assertThrows(InvalidPayloadException.class, decode);
        assertEquals(InvalidPayloadException.Reason.MALFORMED_PAYLOAD, e.reason(), e.getMessage());
    }
}
