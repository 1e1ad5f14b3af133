package io.distill.lm.artifact;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.lm.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Named tensors in Hugging Face's safetensors layout: an 8-byte little-endian header length, a JSON header mapping
 * each name to {@code dtype}, {@code shape} and {@code data_offsets} (plus an optional string map {@code
 * __metadata__}), then the raw little-endian bytes. Chosen so that weights written here open in PyTorch with {@code
 * safetensors.torch.load_file} (e.g. to compare against the PyTorch baseline) and a reader can refuse a malformed
 * file before allocating anything.
 *
 * <p>Written here rather than with DJL's {@code NDList.encode(SAFETENSORS)}: that one takes names from the arrays
 * (renaming live parameters or copying them), writes no metadata, and its reader does not check that offsets
 * match shapes or stay inside the file.
 */
public final class Safetensors {

    /** Tensors in header order and the header's string metadata. */
    record Contents(Map<String, String> metadata, Map<String, NDArray> tensors) {}

    /**
     * One tensor to write: its stored type and shape, and its little-endian bytes produced only when written, so a
     * writer never holds a converted copy of every tensor at once. The type may be {@link DataType#BFLOAT16}, which
     * DJL cannot hold as an array but which is only a label here.
     */
    public record Tensor(String name, DataType dataType, Shape shape, Supplier<byte[]> data) {
        long bytes() {
            return shape.size() * dataType.getNumOfBytes();
        }

        static Tensor of(String name, NDArray a) {
            return new Tensor(name, a.getDataType(), a.getShape(), a::toByteArray);
        }
    }

    /** A parsed header: string metadata and the tensor entries in header order, offsets checked. */
    record Header(Map<String, String> metadata, List<Entry> entries) {}

    private static final String METADATA = "__metadata__";
    /** The spec's limit; a bigger header means a corrupt length field, not a model. */
    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {}

    /** Writes {@code tensors} in map order, data in the same order. The arrays are only read. */
    static void write(OutputStream out, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        List<Tensor> list = new ArrayList<>();
        tensors.forEach((name, a) -> list.add(Tensor.of(name, a)));
        write(out, list, metadata);
    }

    /**
     * Writes {@code tensors} in list order, data in the same order: the 8-byte little-endian header length, the
     * compact JSON header ({@code __metadata__} first when not empty) padded with spaces to a multiple of 8, then
     * each tensor's bytes.
     */
    public static void write(OutputStream out, List<Tensor> tensors, Map<String, String> metadata) throws IOException {
        requireLittleEndianHost();
        ObjectNode header = Json.MAPPER.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Tensor t : tensors) {
            if (t.name().equals(METADATA)) {
                throw new IllegalArgumentException("tensor name " + METADATA + " is reserved");
            }
            if (header.has(t.name())) {
                throw new IllegalArgumentException("tensor " + t.name() + " is written twice");
            }
            ObjectNode entry = header.putObject(t.name());
            entry.put("dtype", t.dataType().asSafetensors());
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape().getShape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + t.bytes());
            offset += t.bytes();
        }
        byte[] json = Json.MAPPER
                .writer()
                .without(SerializationFeature.INDENT_OUTPUT) // compact: the header is for machines
                .writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8; // the spec allows trailing spaces; aligned data is friendlier
        ByteBuffer length =
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
        out.write(length.array());
        out.write(json);
        out.write(" ".repeat(padded - json.length).getBytes(StandardCharsets.US_ASCII));
        for (Tensor t : tensors) {
            byte[] data = t.data().get();
            if (data.length != t.bytes()) {
                throw new IllegalStateException(
                        "tensor " + t.name() + " produced " + data.length + " bytes, its header says " + t.bytes());
            }
            out.write(data);
        }
    }

    /**
     * Reads a whole file's bytes into arrays owned by {@code manager}; {@code file} names it in errors. Refuses
     * unknown dtypes, offsets that do not match the shape, overlap, gaps and trailing bytes.
     */
    static Contents read(byte[] bytes, NDManager manager, String file) {
        requireLittleEndianHost();
        if (bytes.length < 8) {
            throw new IllegalArgumentException(file + ": too short for a safetensors header");
        }
        long headerLength =
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        checkHeaderLength(headerLength, bytes.length, file);
        int dataStart = 8 + (int) headerLength;
        Header header = parseHeader(Arrays.copyOfRange(bytes, 8, dataStart), bytes.length - dataStart, file);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (Entry e : header.entries()) {
            ByteBuffer slice = ByteBuffer.wrap(bytes, dataStart + (int) e.begin(), (int) (e.end() - e.begin()))
                    .slice()
                    .order(ByteOrder.LITTLE_ENDIAN);
            tensors.put(e.name(), create(slice, e, manager));
        }
        return new Contents(header.metadata(), tensors);
    }

    /**
     * An array of {@code e}'s type from its little-endian bytes, except that bf16 arrives widened to fp32: DJL 0.36
     * cannot hold a bf16 array (creating or converting one aborts the JVM), and widening is exact.
     */
    static NDArray create(ByteBuffer data, Entry e, NDManager manager) {
        if (e.dataType() != DataType.BFLOAT16) {
            return manager.create(data, e.shape(), e.dataType());
        }
        ByteBuffer fp32 = ByteBuffer.allocateDirect(data.remaining() * 2).order(ByteOrder.LITTLE_ENDIAN);
        while (data.remaining() >= 2) {
            fp32.putInt((data.getShort() & 0xFFFF) << 16); // bf16 is the top half of an fp32
        }
        return manager.create(fp32.flip(), e.shape(), DataType.FLOAT32);
    }

    static void checkHeaderLength(long headerLength, long fileLength, String file) {
        if (headerLength < 2 || headerLength > MAX_HEADER || headerLength > fileLength - 8L) {
            throw new IllegalArgumentException(file + ": bad safetensors header length " + headerLength);
        }
    }

    /** Parses the JSON header and checks that its entries tile the {@code dataLength} bytes after it exactly. */
    static Header parseHeader(byte[] json, long dataLength, String file) {
        ObjectNode header = Json.parseObject(json, file);
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> f : header.properties()) {
            if (f.getKey().equals(METADATA)) {
                f.getValue()
                        .properties()
                        .forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
            } else {
                entries.add(Entry.parse(f.getKey(), f.getValue(), file));
            }
        }
        checkLayout(entries, dataLength, file);
        return new Header(metadata, entries);
    }

    /** Entries must tile the data region exactly: sorted by offset, each starts where the previous ended. */
    private static void checkLayout(List<Entry> entries, long dataLength, String file) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin));
        long expected = 0;
        for (Entry e : sorted) {
            if (e.begin() != expected) {
                throw new IllegalArgumentException(
                        file + ": tensor " + e.name() + " starts at " + e.begin() + ", expected " + expected);
            }
            expected = e.end();
        }
        if (expected != dataLength) {
            throw new IllegalArgumentException(
                    file + ": tensors cover " + expected + " bytes but the file holds " + dataLength);
        }
    }

    /** A tensor's place in the file: {@code begin} and {@code end} are offsets into the data after the header. */
    record Entry(String name, DataType dataType, Shape shape, long begin, long end) {

        static Entry parse(String name, JsonNode node, String file) {
            String what = file + ": tensor " + name;
            if (!node.isObject()) {
                throw new IllegalArgumentException(what + " is not an object");
            }
            DataType dataType;
            try {
                dataType = DataType.fromSafetensors(Json.text(node, "dtype", what));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
            }
            JsonNode dims = Json.field(node, "shape", what);
            JsonNode offsets = Json.field(node, "data_offsets", what);
            if (!dims.isArray() || !offsets.isArray() || offsets.size() != 2) {
                throw new IllegalArgumentException(what + ": shape must be an array and data_offsets a pair");
            }
            long[] shape = new long[dims.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = Json.asLong(dims.get(i), "shape", what);
                if (shape[i] < 0 || shape[i] > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException(what + ": bad dimension " + shape[i]);
                }
                count = Math.multiplyExact(count, shape[i]);
            }
            long begin = Json.asLong(offsets.get(0), "data_offsets", what);
            long end = Json.asLong(offsets.get(1), "data_offsets", what);
            long bytes = Math.multiplyExact(count, dataType.getNumOfBytes());
            if (begin < 0 || end - begin != bytes) {
                throw new IllegalArgumentException(what + ": data_offsets [" + begin + ", " + end + "] do not hold "
                        + dataType + " " + new Shape(shape) + " (" + bytes + " bytes)");
            }
            return new Entry(name, dataType, new Shape(shape), begin, end);
        }
    }

    /** Array bytes come out of DJL in host order; every platform this project runs on is little-endian. */
    static void requireLittleEndianHost() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("safetensors I/O assumes a little-endian host");
        }
    }
}
