package io.distill.lm.codec;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Reads a payload's bytes and nothing beyond them: every read checks what is left first, so a cut or garbled
 * payload is an {@link InvalidPayloadException}, never an exception from deep inside a buffer. Counts read here are
 * meant to be checked with {@link #requireAtLeast} before anything of that size is allocated.
 */
final class PayloadReader {
    private final byte[] bytes;
    private int position;

    /**
     * Opens a payload after checking its leading layout byte.
     *
     * @throws InvalidPayloadException UNKNOWN_LAYOUT when the payload was written in another layout
     */
    static PayloadReader open(byte[] payload, int layout, Codec codec) {
        return open(payload, codec, layout);
    }

    /**
     * Opens a payload written in any of {@code layouts}; {@link #layout()} says which.
     *
     * @throws InvalidPayloadException UNKNOWN_LAYOUT when the payload was written in another layout
     */
    static PayloadReader open(byte[] payload, Codec codec, int... layouts) {
        if (payload.length == 0) {
            throw InvalidPayloadException.malformed("empty " + codec + " payload");
        }
        int found = payload[0] & 0xFF;
        if (Arrays.stream(layouts).noneMatch(l -> l == found)) {
            String known = Arrays.stream(layouts).mapToObj(Integer::toString).collect(Collectors.joining(" or "));
            throw new InvalidPayloadException(
                    InvalidPayloadException.Reason.UNKNOWN_LAYOUT,
                    codec + " payload in layout " + found + "; this build reads layout " + known
                            + " (docs/wire-format.md)");
        }
        PayloadReader reader = new PayloadReader(payload);
        reader.position = 1;
        return reader;
    }

    /** The layout byte the payload starts with. */
    int layout() {
        return bytes[0] & 0xFF;
    }

    private PayloadReader(byte[] bytes) {
        this.bytes = bytes;
    }

    int remaining() {
        return bytes.length - position;
    }

    /** Refuses a claim of {@code count} items of at least {@code bytesEach} bytes when fewer bytes are left. */
    void requireAtLeast(long count, int bytesEach, String what) {
        if (count < 0 || count * bytesEach > remaining()) {
            throw InvalidPayloadException.malformed(
                    what + ": " + count + " claimed, " + remaining() + " payload bytes left");
        }
    }

    int u8() {
        need(1);
        return bytes[position++] & 0xFF;
    }

    short u16() {
        need(2);
        int value = (bytes[position] & 0xFF) | (bytes[position + 1] & 0xFF) << 8;
        position += 2;
        return (short) value;
    }

    /** A signed int as a zigzag LEB128 varint ({@link Varint#writeSigned}). */
    int signedVarint() {
        int zigzag = varint();
        return (zigzag >>> 1) ^ -(zigzag & 1);
    }

    /** An unsigned LEB128 int below 2^31. */
    int varint() {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = u8();
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (value < 0 || (shift == 28 && b > 0x07)) {
                    throw InvalidPayloadException.malformed("varint out of range");
                }
                return value;
            }
        }
        throw InvalidPayloadException.malformed("varint longer than 5 bytes");
    }

    /** Refuses trailing bytes: a payload says exactly what it holds. */
    void requireEnd(int positions) {
        if (remaining() != 0) {
            throw InvalidPayloadException.malformed(remaining() + " bytes left over after " + positions + " positions");
        }
    }

    private void need(int n) {
        if (remaining() < n) {
            throw InvalidPayloadException.malformed("payload cut short at byte " + position + " of " + bytes.length);
        }
    }
}
