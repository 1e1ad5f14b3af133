package io.distill.lm.codec;

/** Unsigned LEB128 integers: 7 bits a byte, low bits first; values below 128 take one byte. Read by {@link PayloadReader}. */
final class Varint {
    private Varint() {}

    static void write(ByteSink out, int value) {
        if (value < 0) {
            throw new IllegalArgumentException("varints here are unsigned, got " + value);
        }
        while ((value & ~0x7F) != 0) {
            out.write((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }

    /** A signed int as zigzag (0, -1, 1, -2, ... to 0, 1, 2, 3, ...) then LEB128: small magnitudes take one byte. */
    static void writeSigned(ByteSink out, int value) {
        if (value >= 1 << 30 || value < -(1 << 30)) {
            throw new IllegalArgumentException("out of the signed varint range: " + value);
        }
        write(out, (value << 1) ^ (value >> 31));
    }
}
