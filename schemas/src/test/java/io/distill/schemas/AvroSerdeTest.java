package io.distill.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

    @Test
    void everyRecordTypeRoundTrips() {
        assertEquals(Samples.text(), roundTrip(DistillSerdes.textSample(), Samples.text()));
        assertEquals(Samples.softLabels(), roundTrip(DistillSerdes.softLabels(), Samples.softLabels()));
        assertEquals(Samples.checkpoint(), roundTrip(DistillSerdes.checkpointPublished(), Samples.checkpoint()));
    }

    @Test
    void wireFormatIsSingleObjectEncodingThatPlainAvroCanRead() throws Exception {
        byte[] bytes = DistillSerdes.textSample().encode(Samples.text());

        assertEquals((byte) 0xC3, bytes[0]);
        assertEquals((byte) 0x01, bytes[1]);
        long fingerprint = SchemaNormalization.parsingFingerprint64(TextSample.getClassSchema());
        for (int i = 0; i < 8; i++) {
            // the fingerprint is little-endian
            assertEquals((byte) (fingerprint >>> (8 * i)), bytes[2 + i], "fingerprint byte " + i);
        }
        // after the 10-byte header, standard Avro binary that a generic reader decodes with the .avsc alone
        var reader = new GenericDatumReader<GenericRecord>(TextSample.getClassSchema());
        GenericRecord generic =
                reader.read(null, DecoderFactory.get().binaryDecoder(bytes, 10, bytes.length - 10, null));
        assertEquals("Hello, wörld ✓", generic.get("text").toString());
    }

    @Test
    void unknownFingerprintIsATypedError() {
        byte[] bytes = DistillSerdes.textSample().encode(Samples.text());
        bytes[5] ^= 0x5A;

        var e = assertThrows(
                AvroDecodeException.class, () -> DistillSerdes.textSample().decode(bytes));
        assertEquals(AvroDecodeException.Reason.UNKNOWN_FINGERPRINT, e.reason());
    }

    @Test
    void anotherRecordTypeIsAnUnknownFingerprint() {
        byte[] softLabelBytes = DistillSerdes.softLabels().encode(Samples.softLabels());

        var e = assertThrows(
                AvroDecodeException.class, () -> DistillSerdes.textSample().decode(softLabelBytes));
        assertEquals(AvroDecodeException.Reason.UNKNOWN_FINGERPRINT, e.reason());
    }

    @Test
    void confluentFramedSoftLabelsAreATypedErrorNamingTheFraming() throws Exception {
        byte[] framed = Samples.confluentFramed(Samples.softLabels(), 7);

        var e = assertThrows(
                AvroDecodeException.class, () -> DistillSerdes.softLabels().decode(framed));
        assertEquals(AvroDecodeException.Reason.CONFLUENT_FRAMING, e.reason());
        assertTrue(e.getMessage().contains("schema id 7"), e.getMessage());
    }

    @Test
    void invalidUtf8InAnyStringIsATypedErrorNotReplacementCharacters() {
        // a lone continuation byte in the id, an overlong encoding of '/' in the uri, a surrogate in a map key
        byte[] badId = Samples.patched(DistillSerdes.softLabels().encode(Samples.softLabels()), "doc-1", new byte[] {
            'd', 'o', 'c', (byte) 0x80, '1'
        });
        byte[] badUri =
                Samples.patched(DistillSerdes.checkpointPublished().encode(Samples.checkpoint()), "http:/", new byte[] {
                    'h', 't', 't', 'p', (byte) 0xC0, (byte) 0xAF
                });
        var withMetric = CheckpointPublished.newBuilder(Samples.checkpoint())
                .setMetrics(java.util.Map.of("~~~", 1.0))
                .build();
        byte[] badKey = Samples.patched(DistillSerdes.checkpointPublished().encode(withMetric), "~~~", new byte[] {
            (byte) 0xED, (byte) 0xA0, (byte) 0x80
        });

        for (var attempt : java.util.List.<org.junit.jupiter.api.function.Executable>of(
                () -> DistillSerdes.softLabels().decode(badId),
                () -> DistillSerdes.checkpointPublished().decode(badUri),
                () -> DistillSerdes.checkpointPublished().decode(badKey))) {
            var e = assertThrows(AvroDecodeException.class, attempt);
            assertEquals(AvroDecodeException.Reason.INVALID_UTF8, e.reason(), e.getMessage());
        }
    }

    @Test
    void everyTruncationIsATypedError() {
        byte[] bytes = DistillSerdes.softLabels().encode(Samples.softLabels());
        AvroSerde<SoftLabels> serde = DistillSerdes.softLabels();
        for (int length = 0; length < bytes.length; length++) {
            byte[] cut = Arrays.copyOf(bytes, length);
            var e = assertThrows(AvroDecodeException.class, () -> serde.decode(cut), "length " + length);
            var expected =
                    length < 10 ? AvroDecodeException.Reason.NOT_AVRO : AvroDecodeException.Reason.MALFORMED_BODY;
            assertEquals(expected, e.reason(), "length " + length);
        }
    }

    @Test
    void garbageAndNullAreTypedErrors() {
        AvroSerde<TextSample> serde = DistillSerdes.textSample();
        assertEquals(
                AvroDecodeException.Reason.NOT_AVRO,
                assertThrows(AvroDecodeException.class, () -> serde.decode("plain text".getBytes()))
                        .reason());
        assertEquals(
                AvroDecodeException.Reason.NOT_AVRO,
                assertThrows(AvroDecodeException.class, () -> serde.decode(null))
                        .reason());
        byte[] header = Arrays.copyOf(serde.encode(Samples.text()), 10);
        byte[] hugeLength = concat(header, new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F});
        assertEquals(
                AvroDecodeException.Reason.MALFORMED_BODY,
                assertThrows(AvroDecodeException.class, () -> serde.decode(hugeLength))
                        .reason());
    }

    @Test
    void kafkaSerdeInterfaceUsesTheSameEncoding() {
        AvroSerde<CheckpointPublished> serde = DistillSerdes.checkpointPublished();
        byte[] bytes = serde.serializer().serialize("t", Samples.checkpoint());

        assertArrayEquals(serde.encode(Samples.checkpoint()), bytes);
        assertEquals(Samples.checkpoint(), serde.deserializer().deserialize("t", bytes));
        assertNull(serde.serializer().serialize("t", null));
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> T roundTrip(AvroSerde<T> serde, T record) {
        return serde.decode(serde.encode(record));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }

    @Test
    void looksLikeAvroOnlyForTheMarker() {
        assertTrue(AvroSerde.looksLikeAvro(DistillSerdes.textSample().encode(Samples.text())));
        assertEquals(false, AvroSerde.looksLikeAvro("C3".getBytes()));
    }
}
