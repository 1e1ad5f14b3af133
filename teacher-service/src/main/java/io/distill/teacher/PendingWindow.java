package io.distill.teacher;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Bytes;

/**
 * A window waiting in the batch buffer (the changelogged state store) for the next forward pass, with where it came
 * from so that a window the teacher cannot label still goes to the dead-letter topic with its source.
 *
 * @param tokens the window's L + 1 token ids
 * @param byteStart the document byte where the bytes of {@code tokens[0]} begin ({@link Windowing#byteStarts});
 *     {@link #UNKNOWN_BYTE_START} for a window buffered by a teacher before this was kept (format 1)
 * @param timestamp the input record's timestamp, which the output records keep
 */
record PendingWindow(
        String sampleId,
        int window,
        int[] tokens,
        long byteStart,
        int sourcePartition,
        long sourceOffset,
        long timestamp) {

    static final long UNKNOWN_BYTE_START = Long.MIN_VALUE;

    /** Format 2 added {@code byteStart}; format 1 windows still in a changelog are read with it unknown. */
    private static final byte FORMAT = 2;

    private static final byte FORMAT_WITHOUT_BYTE_START = 1;

    int positions() {
        return tokens.length - 1;
    }

    /**
     * The buffer key: input offset then window index, big-endian, so the store (sorted by unsigned bytes) returns
     * windows in input order. One store belongs to one task, i.e. one input partition, so the key is unique.
     */
    static Bytes storeKey(long sourceOffset, int window) {
        return Bytes.wrap(
                ByteBuffer.allocate(12).putLong(sourceOffset).putInt(window).array());
    }

    Bytes storeKey() {
        return storeKey(sourceOffset, window);
    }

    byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 4 * tokens.length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            byte[] id = sampleId.getBytes(StandardCharsets.UTF_8);
            out.writeInt(id.length);
            out.write(id);
            out.writeInt(window);
            out.writeInt(sourcePartition);
            out.writeLong(sourceOffset);
            out.writeLong(timestamp);
            out.writeInt(tokens.length);
            for (int token : tokens) {
                out.writeInt(token);
            }
            out.writeLong(byteStart);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    /**
     * @throws IllegalStateException when the bytes were not written by {@link #toBytes} of this format: the buffer
     *     is internal state, so that is a bug or an incompatible upgrade, not bad input
     */
    static PendingWindow fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte format = in.readByte();
            if (format != FORMAT && format != FORMAT_WITHOUT_BYTE_START) {
                throw new IllegalStateException("pending window of unknown format " + format);
            }
            byte[] id = new byte[in.readInt()];
            in.readFully(id);
            int window = in.readInt();
            int partition = in.readInt();
            long offset = in.readLong();
            long timestamp = in.readLong();
            int[] tokens = new int[in.readInt()];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = in.readInt();
            }
            long byteStart = format == FORMAT ? in.readLong() : UNKNOWN_BYTE_START;
            return new PendingWindow(
                    new String(id, StandardCharsets.UTF_8), window, tokens, byteStart, partition, offset, timestamp);
        } catch (IOException e) {
            throw new IllegalStateException("corrupt pending window in the batch buffer", e);
        }
    }
}
