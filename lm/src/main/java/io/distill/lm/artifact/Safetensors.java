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
final class Safetensors {

    /** Tensors in header order and the header's string metadata. */
    record Contents(Map<String, String> metadata, Map<String, NDArray> tensors) {}

    private static final String METADATA = "__metadata__";
    /** The spec's limit; a bigger header means a corrupt length field, not a model. */
    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {}

    /** Writes {@code tensors} in map order, data in the same order. The arrays are only read. */
    static void write(OutputStream out, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        requireLittleEndianHost();
        ObjectNode header = Json.MAPPER.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA)) {
                throw new IllegalArgumentException("tensor name " + METADATA + " is reserved");
            }
            NDArray a = e.getValue();
            long bytes = a.size() * a.getDataType().getNumOfBytes();
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", a.getDataType().asSafetensors());
            ArrayNode shape = entry.putArray("shape");
            for (long d : a.getShape().getShape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
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
        for (NDArray a : tensors.values()) {
            out.write(a.toByteArray());
        }
    }

    /**
     * Reads a whole file's bytes into arrays owned by {@code manager}; {@code file} names it in errors. Refuses
     * unknown dtypes, offsets that do not match the shape, overlap, gaps and trailing bytes.
     */
    static Contents read(byte[] bytes, NDManager manager, String file) {
        requireLittleEndianHost();
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 8) {
            throw new IllegalArgumentException(file + ": too short for a safetensors header");
        }
        long headerLength = buf.getLong(0);
        if (headerLength < 2 || headerLength > MAX_HEADER || headerLength > bytes.length - 8L) {
            throw new IllegalArgumentException(file + ": bad safetensors header length " + headerLength);
        }
        int dataStart = 8 + (int) headerLength;
        ObjectNode header = Json.parseObject(Arrays.copyOfRange(bytes, 8, dataStart), file);
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
        checkLayout(entries, bytes.length - dataStart, file);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            ByteBuffer slice = ByteBuffer.wrap(bytes, dataStart + (int) e.begin(), (int) (e.end() - e.begin()))
                    .slice()
                    .order(ByteOrder.LITTLE_ENDIAN);
            tensors.put(e.name(), manager.create(slice, e.shape(), e.dataType()));
        }
        return new Contents(metadata, tensors);
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

    private record Entry(String name, DataType dataType, Shape shape, long begin, long end) {

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
    private static void requireLittleEndianHost() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("safetensors I/O assumes a little-endian host");
        }
    }
}
