package io.distill.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/** A later TextSample with one added optional field stays readable in both directions. */
class SchemaEvolutionTest {
    private final Schema v1 = TextSample.getClassSchema();
    private final Schema v2 = loadV2();

    @Test
    void addedOptionalFieldIsCompatibleBothWays() {
        assertEquals(
                SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(v1, v2).getType(),
                "old reader, new writer");
        assertEquals(
                SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(v2, v1).getType(),
                "new reader, old writer");
    }

    @Test
    void oldReaderDecodesNewRecordsOnceItKnowsTheirSchema() throws IOException {
        GenericRecord newer = new GenericRecordBuilder(v2)
                .set("id", "doc-2")
                .set("text", "bonjour")
                .set("source", null)
                .set("createdAt", Samples.T0.toEpochMilli())
                .set("language", "fr")
                .build();
        byte[] bytes = toBytes(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v2).encode(newer));

        AvroSerde<TextSample> unaware = DistillSerdes.textSample();
        assertEquals(
                AvroDecodeException.Reason.UNKNOWN_FINGERPRINT,
                assertThrows(AvroDecodeException.class, () -> unaware.decode(bytes))
                        .reason());

        TextSample read = DistillSerdes.textSample().withWriterSchema(v2).decode(bytes);
        assertEquals("doc-2", read.getId());
        assertEquals("bonjour", read.getText());
    }

    @Test
    void newReaderDecodesOldRecordsWithTheDefault() throws IOException {
        byte[] oldBytes = DistillSerdes.textSample().encode(Samples.text());

        var newReader = new BinaryMessageDecoder<GenericRecord>(GenericData.get(), v2);
        newReader.addSchema(v1);
        GenericRecord read = newReader.decode(oldBytes);

        assertEquals("Hello, wörld ✓", read.get("text").toString());
        assertNull(read.get("language"));
    }

    private static byte[] toBytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static Schema loadV2() {
        try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream("/evolution/TextSample-v2.avsc")) {
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
