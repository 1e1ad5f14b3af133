package io.distill.teacher;

import io.distill.schemas.AvroDecodeException;

/** Why the teacher sent a record (or one window of it) to the dead-letter topic: the {@code distill.reason} header. */
public enum Rejection {
    /** A plain-text value (or key) that is not valid UTF-8. */
    INVALID_UTF8,
    /** No value, or only whitespace. */
    EMPTY,
    /** A value larger than the configured cap; not decoded at all. */
    OVERSIZED,
    /** Avro single-object bytes whose body does not decode. */
    MALFORMED_BODY,
    /** Avro single-object bytes written with a schema this teacher does not know. */
    UNKNOWN_FINGERPRINT,
    /** Confluent Schema Registry framing (0x00 + schema id), which the teacher does not read. */
    CONFLUENT_FRAMING,
    /** Bytes that claim to be Avro but are not (cannot happen on the text topic, kept for completeness). */
    NOT_AVRO,
    /** One byte of text: no next token to predict, so no window. */
    TOO_SHORT,
    /** The teacher's logits for a window held a NaN or an infinity; that window only. */
    NON_FINITE_LOGITS,
    /**
     * {@code --project bytes}: a window with no next-byte distribution (its targets spell no byte, or a byte of it has
     * probability 0 under every tokenization the teacher evaluated); that window only.
     */
    UNPROJECTABLE;

    static Rejection of(AvroDecodeException.Reason reason) {
        return switch (reason) {
            case NOT_AVRO -> NOT_AVRO;
            case CONFLUENT_FRAMING -> CONFLUENT_FRAMING;
            case UNKNOWN_FINGERPRINT -> UNKNOWN_FINGERPRINT;
            case MALFORMED_BODY -> MALFORMED_BODY;
            case INVALID_UTF8 -> INVALID_UTF8;
            case EMPTY -> EMPTY;
        };
    }
}
