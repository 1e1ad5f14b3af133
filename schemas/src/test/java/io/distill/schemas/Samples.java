package io.distill.schemas;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Example records for the tests. */
final class Samples {
    static final Instant T0 = Instant.ofEpochMilli(1_764_000_000_000L);

    private Samples() {}

    /**
     * A record as a Confluent Schema Registry serializer writes it: magic byte 0x00, the 4-byte big-endian schema
     * id, then plain Avro binary (no fingerprint).
     */
    static <T extends org.apache.avro.specific.SpecificRecord> byte[] confluentFramed(T record, int schemaId)
            throws java.io.IOException {
        var out = new java.io.ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(schemaId).array());
        var encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.specific.SpecificDatumWriter<T>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    /**
     * Encodes {@code sample} and replaces the first occurrence of the ASCII {@code marker} string in the bytes with
     * {@code replacement} of the same length, e.g. to put invalid UTF-8 inside a string field.
     */
    static byte[] patched(byte[] encoded, String marker, byte[] replacement) {
        byte[] needle = marker.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + needle.length <= encoded.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (encoded[i + j] != needle[j]) {
                    continue outer;
                }
            }
            byte[] copy = encoded.clone();
            System.arraycopy(replacement, 0, copy, i, needle.length);
            return copy;
        }
        throw new IllegalArgumentException("marker not found: " + marker);
    }

    static TextSample text() {
        return TextSample.newBuilder()
                .setId("doc-1")
                .setText("Hello, wörld ✓")
                .setSource("README.md")
                .setCreatedAt(T0)
                .build();
    }

    static SoftLabels softLabels() {
        return SoftLabels.newBuilder()
                .setSampleId("doc-1")
                .setWindow(3)
                .setTokens(List.of(72, 101, 108, 108, 111))
                .setTeacher(TeacherIdentity.newBuilder()
                        .setModelId("teacher-15m")
                        .setModelVersion("1")
                        .setTokenizerId("byte-v1")
                        .setTokenizerChecksum("ab12")
                        .setVocabSize(259)
                        .build())
                .setTemperature(2.0f)
                .setCodec(Codec.newBuilder().setKind(CodecKind.TOPK).setSize(2).build())
                .setPayload(ByteBuffer.wrap(new byte[] {1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}))
                .setCreatedAt(T0)
                .build();
    }

    static CheckpointPublished checkpoint() {
        return CheckpointPublished.newBuilder()
                .setStudent("student-1m")
                .setVersion(7)
                .setStep(7000)
                .setTokensSeen(3_584_000)
                .setCreatedAt(T0)
                .setUri("http://localhost:8081/checkpoints/student-1m/7")
                .setSha256("00ff")
                .setSizeBytes(4_000_000)
                .setFormat(WeightFormat.FP16)
                .setConfigJson("{\"layers\":4}")
                .setMetrics(Map.of("holdout_bits_per_byte", 2.31))
                .build();
    }
}
