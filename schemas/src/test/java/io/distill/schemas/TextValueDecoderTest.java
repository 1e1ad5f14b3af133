package io.distill.schemas;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextValueDecoderTest {
    private final TextValueDecoder decoder = new TextValueDecoder();

    @Test
    void avroValuesAreDecoded() {
        byte[] value = DistillSerdes.textSample().encode(Samples.text());

        assertEquals(Samples.text(), decoder.decode(null, value, "unused", 0));
    }

    @Test
    void plainUtf8BecomesATextSampleKeyedByTheRecordKey() {
        TextSample sample = decoder.decode(utf8("line-7"), utf8("naïve café"), "distill.text-0-42", 1234);

        assertEquals("line-7", sample.getId());
        assertEquals("naïve café", sample.getText());
        assertEquals(1234, sample.getCreatedAt().toEpochMilli());
        assertNull(sample.getSource());
    }

    @Test
    void plainTextWithoutKeyTakesTheFallbackId() {
        assertEquals(
                "distill.text-0-42",
                decoder.decode(null, utf8("hello"), "distill.text-0-42", 0).getId());
    }

    @Test
    void invalidUtf8IsRejectedWithAReason() {
        byte[] latin1 = "café".getBytes(StandardCharsets.ISO_8859_1);

        var e = assertThrows(AvroDecodeException.class, () -> decoder.decode(null, latin1, "id", 0));
        assertEquals(AvroDecodeException.Reason.INVALID_UTF8, e.reason());
    }

    /** Avro decodes strings leniently into U+FFFD; a TextSample's text must be valid UTF-8 like a plain value. */
    @Test
    void invalidUtf8InsideAnAvroTextSampleIsRejected() {
        TextSample sample = TextSample.newBuilder()
                .setId("doc-1")
                .setText("cafX and more")
                .setSource(null)
                .setCreatedAt(Samples.T0)
                .build();
        byte[] value = Samples.patched(
                DistillSerdes.textSample().encode(sample), "cafX", new byte[] {'c', 'a', 'f', (byte) 0xE9});

        var e = assertThrows(AvroDecodeException.class, () -> decoder.decode(null, value, "id", 0));
        assertEquals(AvroDecodeException.Reason.INVALID_UTF8, e.reason());
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    @Test
    void emptyOrBlankTextIsRejected() {
        assertEquals(
                AvroDecodeException.Reason.EMPTY,
                assertThrows(AvroDecodeException.class, () -> decoder.decode(null, utf8(""), "id", 0))
                        .reason());
        assertEquals(
                AvroDecodeException.Reason.EMPTY,
                assertThrows(AvroDecodeException.class, () -> decoder.decode(null, utf8(" \n\t"), "id", 0))
                        .reason());
        assertEquals(
                AvroDecodeException.Reason.EMPTY,
                assertThrows(AvroDecodeException.class, () -> decoder.decode(null, null, "id", 0))
                        .reason());
    }

    @Test
    void corruptAvroIsNotMistakenForText() {
        byte[] value = DistillSerdes.textSample().encode(Samples.text());
        value[4] ^= 1;

        var e = assertThrows(AvroDecodeException.class, () -> decoder.decode(null, value, "id", 0));
        assertEquals(AvroDecodeException.Reason.UNKNOWN_FINGERPRINT, e.reason());
    }

    /**
     * A TextSample in Confluent Schema Registry framing is all valid UTF-8 (NUL, a small schema id, ASCII Avro
     * binary), so without a check it would be labelled as garbage text; it is refused as what it is.
     */
    @Test
    void confluentSchemaRegistryFramingIsRefusedAsSuch() throws Exception {
        TextSample ascii = TextSample.newBuilder()
                .setId("doc-1")
                .setText("plain ascii text")
                .setSource(null)
                .setCreatedAt(java.time.Instant.ofEpochMilli(21)) // zigzag varint 42, an ASCII byte
                .build();
        byte[] framed = Samples.confluentFramed(ascii, 42);
        assertDoesNotThrow(
                () -> StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(framed)),
                "the framed bytes pass as UTF-8 text");

        var e = assertThrows(AvroDecodeException.class, () -> decoder.decode(utf8("k"), framed, "id", 0));
        assertEquals(AvroDecodeException.Reason.CONFLUENT_FRAMING, e.reason());
        assertTrue(e.getMessage().contains("Confluent Schema Registry"), e.getMessage());
        assertTrue(e.getMessage().contains("schema id 42"), e.getMessage());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
