package io.distill.schemas;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/** Unsigned LEB128 integers: 7 bits a byte, low bits first; values below 128 take one byte. */
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

    /** @throws BufferUnderflowException when the bytes end inside a varint */
    static int read(ByteBuffer in) {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte b = in.get();
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (value < 0) {
                    throw new IllegalArgumentException("varint out of range");
                }
                return value;
            }
        }
        throw new IllegalArgumentException("varint longer than 5 bytes");
    }
}
