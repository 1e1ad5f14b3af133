package io.distill.lm.codec;

import java.util.Arrays;

/**
 * A growable byte array that payloads are written into: {@link java.io.ByteArrayOutputStream} without its lock on
 * every byte. A top-k window of 128 positions is thousands of single-byte writes (the Rice-coded ids a byte at a
 * time, then the values), on the teacher's stream thread between two forward passes.
 */
final class ByteSink {
    private byte[] bytes;
    private int size;

    ByteSink(int capacity) {
        bytes = new byte[Math.max(16, capacity)];
    }

    /** Appends the low 8 bits of {@code b}. */
    void write(int b) {
        if (size == bytes.length) {
            bytes = Arrays.copyOf(bytes, bytes.length * 2);
        }
        bytes[size++] = (byte) b;
    }

    void write(ByteSink other) {
        if (size + other.size > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + other.size));
        }
        System.arraycopy(other.bytes, 0, bytes, size, other.size);
        size += other.size;
    }

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }
}
