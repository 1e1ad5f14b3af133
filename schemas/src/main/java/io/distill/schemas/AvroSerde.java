package io.distill.schemas;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for a generated Avro class using Avro single-object encoding: two marker bytes (C3 01), the 8-byte
 * CRC-64-AVRO fingerprint of the writer schema, then standard Avro binary. Any Avro library given the .avsc can
 * decode it. Decoding failures are {@link AvroDecodeException}s with a reason, never a null or a silent default.
 *
 * <p>Strings are decoded strictly: invalid UTF-8 anywhere in the body is {@link AvroDecodeException.Reason#INVALID_UTF8},
 * never replacement characters.
 *
 * <p>Every claimed length is bounded by {@link AvroLimits} before Avro allocates it.
 *
 * <p>Older or newer writer schemas of the same record can be registered with {@link #withWriterSchema(Schema)}; their
 * records are then resolved to this class's schema by the usual Avro rules.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
    static {
        // before any decoding, so that Avro reads them when it first checks a length
        AvroLimits.install();
    }

    private final Class<T> type;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    public AvroSerde(Class<T> type) {
        this.type = type;
        Schema schema = SpecificData.get().getSchema(type);
        SpecificData model = SpecificData.getForClass(type);
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(StrictUtf8Data.of(model, type.getClassLoader()), schema);
    }

    /** Also accept records written with {@code writerSchema}, an evolved version of this record. */
    public AvroSerde<T> withWriterSchema(Schema writerSchema) {
        decoder.addSchema(writerSchema);
        return this;
    }

    public byte[] encode(T record) {
        try {
            ByteBuffer buffer = encoder.encode(record);
            return Arrays.copyOfRange(buffer.array(), buffer.arrayOffset(), buffer.arrayOffset() + buffer.remaining());
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + type.getSimpleName(), e);
        }
    }

    public T decode(byte[] bytes) {
        if (bytes == null) {
            throw new AvroDecodeException(
                    AvroDecodeException.Reason.NOT_AVRO,
                    "null value where a " + type.getSimpleName() + " was expected",
                    null);
        }
        if (hasConfluentFraming(bytes)) {
            throw confluentFraming(bytes, type.getSimpleName());
        }
        try {
            return decoder.decode(bytes);
        } catch (MissingSchemaException e) {
            throw new AvroDecodeException(
                    AvroDecodeException.Reason.UNKNOWN_FINGERPRINT,
                    type.getSimpleName() + ": unknown schema fingerprint (" + e.getMessage() + ")",
                    e);
        } catch (BadHeaderException e) {
            throw new AvroDecodeException(
                    AvroDecodeException.Reason.NOT_AVRO,
                    type.getSimpleName() + ": not Avro single-object encoding (" + e.getMessage() + ")",
                    e);
        } catch (StrictUtf8Data.InvalidUtf8 e) {
            throw new AvroDecodeException(
                    AvroDecodeException.Reason.INVALID_UTF8, type.getSimpleName() + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            // Avro reports a truncated or garbled body through many exception types (EOFException,
            // AvroRuntimeException, UnsupportedOperationException for absurd lengths, ...); decoding touches
            // nothing but these bytes, so all of them mean the same here.
            throw new AvroDecodeException(
                    AvroDecodeException.Reason.MALFORMED_BODY,
                    type.getSimpleName() + ": malformed Avro body (" + e + ")",
                    e);
        }
    }

    /** True when the bytes start with the single-object marker, i.e. the writer meant them as Avro. */
    public static boolean looksLikeAvro(byte[] bytes) {
        return bytes != null && bytes.length >= 2 && bytes[0] == (byte) 0xC3 && bytes[1] == (byte) 0x01;
    }

    /**
     * True when the bytes start like Confluent Schema Registry's wire format: magic byte 0x00, a 4-byte big-endian
     * schema id, then the Avro body. No distill value starts with a NUL byte, and neither does any real text.
     */
    public static boolean hasConfluentFraming(byte[] bytes) {
        return bytes != null && bytes.length >= 5 && bytes[0] == 0;
    }

    /** The error for a {@link #hasConfluentFraming} value, saying what it is and what distill reads instead. */
    static AvroDecodeException confluentFraming(byte[] bytes, String expected) {
        int schemaId = ByteBuffer.wrap(bytes, 1, 4).getInt();
        return new AvroDecodeException(
                AvroDecodeException.Reason.CONFLUENT_FRAMING,
                "value is in Confluent Schema Registry framing (magic byte 0x00, schema id " + schemaId
                        + "), which distill does not read; where a " + expected
                        + " was expected, send Avro single-object encoding (C3 01 + schema fingerprint)"
                        + " or plain UTF-8 text",
                null);
    }

    @Override
    public byte[] serialize(String topic, T data) {
        return data == null ? null : encode(data);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return decode(data);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        // nothing to configure: the schema comes from the generated class
    }

    @Override
    public void close() {
        // holds no resources
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }
}
