package io.distill.lm.artifact;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A safetensors file opened for reading one tensor at a time: the header is parsed and checked as {@link
 * Safetensors} does, and each tensor's bytes are mapped from the file only when it is read. For weights too big to
 * hold as one byte array (a Hugging Face shard is up to a few GB), and so a loader holds one tensor's bytes, not a
 * file's.
 */
public final class SafetensorsFile implements Closeable {

    /** A tensor's stored type ({@code F32}, {@code F16}, {@code BF16}, ...) and shape, from the header. */
    public record Info(String dtype, Shape shape) {}

    private final FileChannel channel;
    private final String file;
    private final long dataStart;
    private final Map<String, String> metadata;
    private final Map<String, Safetensors.Entry> entries = new LinkedHashMap<>();

    private SafetensorsFile(FileChannel channel, String file, long dataStart, Safetensors.Header header) {
        this.channel = channel;
        this.file = file;
        this.dataStart = dataStart;
        this.metadata = header.metadata();
        header.entries().forEach(e -> entries.put(e.name(), e));
    }

    /** Opens {@code path} and checks its header; {@code file} names it in errors (IllegalArgumentException). */
    public static SafetensorsFile open(Path path, String file) throws IOException {
        Safetensors.requireLittleEndianHost();
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = channel.size();
            if (size < 8) {
                throw new IllegalArgumentException(file + ": too short for a safetensors header");
            }
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, length, 0);
            long headerLength = length.getLong(0);
            Safetensors.checkHeaderLength(headerLength, size, file);
            ByteBuffer json = ByteBuffer.allocate((int) headerLength);
            readFully(channel, json, 8);
            long dataStart = 8 + headerLength;
            Safetensors.Header header = Safetensors.parseHeader(json.array(), size - dataStart, file);
            return new SafetensorsFile(channel, file, dataStart, header);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor's stored type and shape, in header order. */
    public Map<String, Info> tensors() {
        Map<String, Info> out = new LinkedHashMap<>();
        entries.forEach((name, e) -> out.put(name, new Info(e.dataType().asSafetensors(), e.shape())));
        return out;
    }

    /**
     * Tensor {@code name} as an fp32 array owned by {@code manager}: F32 as stored, F16 and BF16 widened exactly.
     * Other stored types are refused, since every weight of a model is a float.
     */
    public NDArray readFloat32(String name, NDManager manager) throws IOException {
        Safetensors.Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(file + ": no tensor " + name);
        }
        DataType type = e.dataType();
        if (type != DataType.FLOAT32 && type != DataType.FLOAT16 && type != DataType.BFLOAT16) {
            throw new IllegalArgumentException(
                    file + ": tensor " + name + " is " + type.asSafetensors() + ", expected F32, F16 or BF16");
        }
        long length = e.end() - e.begin();
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(file + ": tensor " + name + " is over 2 GiB, more than one array holds");
        }
        ByteBuffer data = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), length)
                .order(ByteOrder.LITTLE_ENDIAN);
        NDArray a = Safetensors.create(data, e, manager);
        if (a.getDataType() == DataType.FLOAT32) {
            return a;
        }
        NDArray fp32 = a.toType(DataType.FLOAT32, false); // f16 -> f32 is exact
        a.close();
        return fp32;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            if (channel.read(into, position + into.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }
}
