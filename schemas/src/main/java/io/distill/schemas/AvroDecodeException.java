package io.distill.schemas;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Bytes that are not a record this consumer can read. The reason is machine readable so that a dead-letter
 * header can carry it; the message is written for an operator.
 */
public final class AvroDecodeException extends SerializationException {
    private static final long serialVersionUID = 1L;

    /** Why decoding failed. */
    public enum Reason {
        /** The value does not start with the Avro single-object marker (C3 01) or is too short to hold one. */
        NOT_AVRO,
        /**
         * Confluent Schema Registry wire format (magic byte 0x00, a 4-byte schema id, then Avro binary): a registry
         * id this reader cannot resolve, and bytes that would otherwise pass as (garbage) UTF-8 text.
         */
        CONFLUENT_FRAMING,
        /** The marker is there but the schema fingerprint is not one this reader knows. */
        UNKNOWN_FINGERPRINT,
        /** The header is fine but the body is cut short or does not match the schema. */
        MALFORMED_BODY,
        /** A plain-text value, or a string inside an Avro record, that is not valid UTF-8. */
        INVALID_UTF8,
        /** A value with no text in it. */
        EMPTY
    }

    private final Reason reason;

    public AvroDecodeException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
