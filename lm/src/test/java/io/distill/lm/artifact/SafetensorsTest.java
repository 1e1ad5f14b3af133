package io.distill.lm.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SafetensorsTest {

    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    @Test
    void roundTripKeepsNamesOrderTypesShapesBitsAndMetadata() throws IOException {
        Map<String, NDArray> in = new LinkedHashMap<>();
        in.put("w", m.create(new float[] {1.5f, -0f, Float.NaN, 3e-40f, 7f, 8f}, new Shape(2, 3)));
        in.put("h", m.create(new float[] {0.1f, 65504f}).toType(DataType.FLOAT16, false));
        in.put("q", m.create(new byte[] {-127, 0, 127}, new Shape(3, 1)));
        in.put("n", m.create(new long[] {Long.MAX_VALUE}, new Shape()));
        byte[] bytes = write(in, Map.of("updates", "42"));

        Safetensors.Contents out = Safetensors.read(bytes, m, "x.safetensors");
        assertEquals(Map.of("updates", "42"), out.metadata());
        assertEquals(List.copyOf(in.keySet()), List.copyOf(out.tensors().keySet()));
        for (String name : in.keySet()) {
            NDArray a = in.get(name);
            NDArray b = out.tensors().get(name);
            assertEquals(a.getDataType(), b.getDataType(), name);
            assertEquals(a.getShape(), b.getShape(), name);
            assertArrayEquals(a.toByteArray(), b.toByteArray(), name);
        }
    }

    @Test
    void layoutIsTheSafetensorsSpec() throws IOException {
        byte[] bytes = write(Map.of("w", m.create(new float[] {1f, 2f})), Map.of());
        long headerLength =
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, headerLength % 8, "header padded so the data is 8-byte aligned");
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8).strip();
        assertEquals("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", header);
        assertEquals(8 + headerLength + 8, bytes.length);
        // 1.0f little-endian: 00 00 80 3f
        assertEquals(0x3f, bytes[bytes.length - 5] & 0xff);
    }

    @Test
    void malformedFilesAreRefusedWithTheFileName() throws IOException {
        assertRefused(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "do not hold");
        assertRefused(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12), "file holds 12");
        assertRefused(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "starts at 4");
        assertRefused(raw("{\"w\":{\"dtype\":\"X9\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "X9");
        assertRefused(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"w\":{}}", 8), "w");
        byte[] badLength = raw("{}", 0);
        badLength[0] = 100;
        assertRefused(badLength, "header length");
    }

    private void assertRefused(byte[] bytes, String expected) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Safetensors.read(bytes, m, "bad.safetensors"));
        assertTrue(e.getMessage().startsWith("bad.safetensors: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static byte[] raw(String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(json.length).put(json);
        return buf.array();
    }

    private static byte[] write(Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Safetensors.write(out, tensors, metadata);
        return out.toByteArray();
    }
}
