package io.distill.lm.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.function.Executable;

/** Hand-made and random {@code sampled:N} payloads for the decoders' checks, one home for every layout's tests. */
final class CraftedPayloads {
    private CraftedPayloads() {}

    /** The start of a one-position payload: the layout byte, id mode 0 (gaps), D, then ids 0, 1, ... as gaps. */
    static ByteSink onePosition(int layout, int distinct) {
        ByteSink out = new ByteSink(16);
        out.write(layout);
        out.write(0);
        Varint.write(out, distinct);
        for (int j = 0; j < distinct; j++) {
            Varint.write(out, 0);
        }
        return out;
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
