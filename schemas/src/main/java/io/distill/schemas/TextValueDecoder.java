package io.distill.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Reads a value of the text topic: an Avro {@link TextSample}, or plain UTF-8 text as kcat or any Kafka client would
 * send it. The two cannot be confused: the Avro marker byte pair C3 01 is never valid UTF-8. A value in Confluent
 * Schema Registry framing (0x00 + schema id) is refused as such rather than read as text it happens to decode to.
 */
public final class TextValueDecoder {
    private final AvroSerde<TextSample> avro = DistillSerdes.textSample();

    /**
     * @param key the record key, used as the sample id of a plain-text value when present
     * @param fallbackId the sample id of a plain-text value without a key, e.g. "topic-partition-offset"
     * @param timestampMs the record timestamp, used as createdAt for plain text
     * @throws AvroDecodeException for undecodable Avro, Confluent framing, invalid UTF-8 or an empty text
     */
    public TextSample decode(byte[] key, byte[] value, String fallbackId, long timestampMs) {
        if (AvroSerde.hasConfluentFraming(value)) {
            throw AvroSerde.confluentFraming(value, "TextSample");
        }
        TextSample sample =
                AvroSerde.looksLikeAvro(value) ? avro.decode(value) : plainText(key, value, fallbackId, timestampMs);
        if (sample.getText().isBlank()) {
            throw new AvroDecodeException(
                    AvroDecodeException.Reason.EMPTY, "sample '" + sample.getId() + "' has no text", null);
        }
        return sample;
    }

    private static TextSample plainText(byte[] key, byte[] value, String fallbackId, long timestampMs) {
        if (value == null) {
            throw new AvroDecodeException(AvroDecodeException.Reason.EMPTY, "null value", null);
        }
        String text = strictUtf8(value, "value");
        String id = key == null || key.length == 0 ? fallbackId : strictUtf8(key, "key");
        return TextSample.newBuilder()
                .setId(id)
                .setText(text)
                .setSource(null)
                .setCreatedAt(Instant.ofEpochMilli(timestampMs))
                .build();
    }

    private static String strictUtf8(byte[] bytes, String what) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new AvroDecodeException(
                    AvroDecodeException.Reason.INVALID_UTF8,
                    "plain-text " + what + " is neither Avro nor valid UTF-8 (" + e.getMessage() + ")",
                    e);
        }
    }
}
