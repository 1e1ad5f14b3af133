package io.distill.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/**
 * {@code TeacherIdentity.projectedFrom} and {@code SoftLabels.byteOffset} were added together, with defaults: SoftLabels
 * written before them (another schema fingerprint) still decode, both null, and projected labels round-trip.
 */
class SoftLabelsEvolutionTest {
    private final Schema before = DistillSerdes.previous(DistillSerdes.SOFT_LABELS_BEFORE_PROJECTION);

    @Test
    void recordsWrittenBeforeProjectedFromStillDecode() throws Exception {
        assertNotEquals(
                SchemaNormalization.parsingFingerprint64(before),
                SchemaNormalization.parsingFingerprint64(SoftLabels.getClassSchema()),
                "the added field changes the fingerprint, so the old schema must be registered");
        Schema teacher = before.getField("teacher").schema();
        Schema codec = before.getField("codec").schema();
        GenericRecord old = new GenericRecordBuilder(before)
                .set("sampleId", "doc-1")
                .set("window", 2)
                .set("tokens", List.of(1, 2, 3))
                .set(
                        "teacher",
                        new GenericRecordBuilder(teacher)
                                .set("modelId", "t")
                                .set("modelVersion", "1")
                                .set("tokenizerId", "byte-v1")
                                .set("tokenizerChecksum", "ab12")
                                .set("vocabSize", 259)
                                .build())
                .set("temperature", 2.0f)
                .set(
                        "codec",
                        new GenericRecordBuilder(codec)
                                .set(
                                        "kind",
                                        new GenericData.EnumSymbol(
                                                codec.getField("kind").schema(), "TOPK"))
                                .set("size", 2)
                                .build())
                .set("payload", ByteBuffer.wrap(new byte[] {1, 0}))
                .set("createdAt", Samples.T0.toEpochMilli())
                .set("targetNats", 1.5f)
                .build();
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), before).encode(old);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        SoftLabels read = DistillSerdes.softLabels().decode(bytes);

        assertEquals("doc-1", read.getSampleId());
        assertEquals(List.of(1, 2, 3), read.getTokens());
        assertEquals("byte-v1", read.getTeacher().getTokenizerId());
        assertNull(read.getTeacher().getProjectedFrom());
        assertNull(read.getByteOffset());
        assertEquals(1.5f, read.getTargetNats());
    }

    @Test
    void projectedLabelsRoundTrip() {
        SoftLabels labels = Samples.softLabels();
        labels.getTeacher()
                .setProjectedFrom(SourceTokenizer.newBuilder()
                        .setTokenizerId("hf-llama2")
                        .setTokenizerChecksum("cd34")
                        .setVocabSize(32000)
                        .build());
        labels.setByteOffset(5_000_000_000L);
        var serde = DistillSerdes.softLabels();

        SoftLabels read = serde.decode(serde.encode(labels));

        SourceTokenizer from = read.getTeacher().getProjectedFrom();
        assertEquals("hf-llama2", from.getTokenizerId());
        assertEquals(32000, from.getVocabSize());
        assertEquals(5_000_000_000L, read.getByteOffset());
    }
}
