package io.distill.lm.codec;

import java.io.ByteArrayOutputStream;

/** Unsigned LEB128 integers: 7 bits a byte, low bits first; values below 128 take one byte. Read by {@link PayloadReader}. */
final class Varint {
    private Varint() {}

    static void write(ByteArrayOutputStream out, int value) {
        if (value < 0) {
            throw new IllegalArgumentException("varints here are unsigned, got " + value);
        }
        while ((value & ~0x7F) != 0) {
            out.write((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }
}
