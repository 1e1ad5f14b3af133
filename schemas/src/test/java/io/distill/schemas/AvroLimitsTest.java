package io.distill.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.avro.SystemLimitException;
import org.junit.jupiter.api.Test;

/**
 * A record whose bytes, string or array length claims just under 2^31 is refused by Avro's own limits before
 * anything is allocated (issue 11, item 2). 2^31 - 1 itself is refused by Avro anyway, so these use 2^31 - 10.
 */
class AvroLimitsTest {
    private static final long CLAIM = (1L << 31) - 10;

    @Test
    void theLimitsAreInForceOnceASerdeExists() {
        DistillSerdes.softLabels();
        assertTrue(AvroLimits.active(), "Avro read its limits before AvroSerde set them");
    }

    @Test
    void craftedLengthsJustUnder2To31AreMalformedBodiesNotAllocations() {
        AvroSerde<SoftLabels> serde = DistillSerdes.softLabels();
        List<UnaryOperator<SoftLabels>> shortAndLong = List.of(
                r -> withSampleId(r, "x"), // a string
                r -> withTokens(r, List.of(1)), // an array
                r -> withPayload(r, new byte[] {1})); // bytes
        for (UnaryOperator<SoftLabels> grow : shortAndLong) {
            byte[] crafted = claimAt(serde, grow, CLAIM);
            var e = assertThrows(AvroDecodeException.class, () -> serde.decode(crafted));
            assertEquals(AvroDecodeException.Reason.MALFORMED_BODY, e.reason(), e.getMessage());
            assertInstanceOf(SystemLimitException.class, e.getCause(), e.getMessage());
        }
        byte[] text = claimAt(
                DistillSerdes.textSample(),
                r -> TextSample.newBuilder(r).setText("x").build(),
                CLAIM,
                Samples.text());
        var e = assertThrows(
                AvroDecodeException.class, () -> DistillSerdes.textSample().decode(text));
        assertInstanceOf(SystemLimitException.class, e.getCause(), e.getMessage());
    }

    @Test
    void theLargestLegalRecordStillDecodes() {
        int positions = 131_072;
        SoftLabels big = withPayload(
                withTokens(Samples.softLabels(), java.util.Collections.nCopies(positions + 1, 258)),
                new byte[110 * positions]);
        AvroSerde<SoftLabels> serde = DistillSerdes.softLabels();
        assertEquals(positions + 1, serde.decode(serde.encode(big)).getTokens().size());
    }

    /**
     * The record's bytes cut where a length field starts (found as the first byte where an empty and a one-item
     * field differ), followed by a claimed length and nothing else.
     */
    private static byte[] claimAt(AvroSerde<SoftLabels> serde, UnaryOperator<SoftLabels> grow, long claim) {
        return claimAt(serde, grow, claim, empty(Samples.softLabels()));
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> byte[] claimAt(
            AvroSerde<T> serde, UnaryOperator<T> grow, long claim, T base) {
        T empty = emptied(base);
        byte[] a = serde.encode(empty);
        byte[] b = serde.encode(grow.apply(empty));
        int at = Arrays.mismatch(a, b);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(a, 0, at);
        for (long v = (claim << 1); ; v >>>= 7) { // Avro's zig-zag varint of a positive long
            if ((v & ~0x7FL) == 0) {
                out.write((int) v);
                break;
            }
            out.write((int) ((v & 0x7F) | 0x80));
        }
        return out.toByteArray();
    }

    @SuppressWarnings("unchecked")
    private static <T> T emptied(T base) {
        if (base instanceof TextSample t) {
            return (T) TextSample.newBuilder(t).setText("").build();
        }
        return base;
    }

    private static SoftLabels empty(SoftLabels r) {
        return withPayload(withTokens(withSampleId(r, ""), List.of()), new byte[0]);
    }

    private static SoftLabels withSampleId(SoftLabels r, String id) {
        return SoftLabels.newBuilder(r).setSampleId(id).build();
    }

    private static SoftLabels withTokens(SoftLabels r, List<Integer> tokens) {
        return SoftLabels.newBuilder(r).setTokens(tokens).build();
    }

    private static SoftLabels withPayload(SoftLabels r, byte[] payload) {
        return SoftLabels.newBuilder(r).setPayload(ByteBuffer.wrap(payload)).build();
    }
}
