package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.schemas.AvroSerde;
import io.distill.schemas.CodecKind;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.Fp16;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TeacherIdentity;
import io.distill.teacher.CodecSpec;
import io.distill.teacher.SoftLabelEncoder;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TextLabeler;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SoftLabelReaderTest {
    private static final AvroSerde<SoftLabels> SERDE = DistillSerdes.softLabels();
    private static NDManager manager;
    private static TeacherModel teacher;

    @BeforeAll
    static void teacher() {
        manager = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(7);
        teacher = new TeacherModel(Gpt.create(LmConfig.named("tiny"), manager), "tiny-teacher", "1");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private final SoftLabelReader failing =
            new SoftLabelReader(ByteTokenizer.get(), ByteTokenizer.VOCAB_SIZE, TrainerConfig.OnTokenizerMismatch.FAIL);
    private final SoftLabelReader lenient = new SoftLabelReader(
            ByteTokenizer.get(), ByteTokenizer.VOCAB_SIZE, TrainerConfig.OnTokenizerMismatch.DEAD_LETTER);

    @Test
    void aGoodTopKRecordBecomesAWindow() {
        SoftLabels labels = label(CodecKind.TOPK, 8);
        TrainingWindow w = accepted(failing.read(record(SERDE.encode(labels))));
        assertEquals("doc-1", w.sampleId());
        assertEquals(
                List.copyOf(labels.getTokens()),
                Arrays.stream(w.tokens()).boxed().toList());
        assertEquals(w.positions(), w.soft().positions());
        assertEquals(8, w.soft().ids()[0].length);
        assertTrue(w.targetNats().isPresent());
        assertEquals(new TrainingWindow.BatchKey(CodecKind.TOPK, 8, 2f), w.batchKey());
    }

    @Test
    void aSampledRecordBecomesAWindow() {
        TrainingWindow w = accepted(failing.read(record(SERDE.encode(label(CodecKind.SAMPLED, 12)))));
        float sum = 0;
        for (float x : w.soft().weights()[0]) {
            sum += x;
        }
        assertEquals(1f, sum, 1e-6);
    }

    @Test
    void anotherTokenizerFailsFastNamingBothSides() {
        SoftLabels labels = label(CodecKind.TOPK, 4);
        labels.setTeacher(TeacherIdentity.newBuilder(labels.getTeacher())
                .setTokenizerId("gpt2-bpe")
                .setTokenizerChecksum("feedfacecafe0000")
                .setVocabSize(50257)
                .build());
        TokenizerMismatchException e =
                assertThrows(TokenizerMismatchException.class, () -> failing.read(record(SERDE.encode(labels))));
        assertTrue(e.getMessage().contains("gpt2-bpe") && e.getMessage().contains("50257"), e.getMessage());
        assertTrue(e.getMessage().contains(ByteTokenizer.ID) && e.getMessage().contains("259"), e.getMessage());
        assertEquals(
                SoftLabelReader.TOKENIZER_MISMATCH,
                rejected(lenient.read(record(SERDE.encode(labels)))).reason());
    }

    @Test
    void aDifferentChecksumAloneIsAMismatch() {
        SoftLabels labels = label(CodecKind.TOPK, 4);
        labels.setTeacher(TeacherIdentity.newBuilder(labels.getTeacher())
                .setTokenizerChecksum("0".repeat(64))
                .build());
        assertThrows(TokenizerMismatchException.class, () -> failing.read(record(SERDE.encode(labels))));
    }

    @Test
    void badBytesAreRejectedWithTheDecodersReason() {
        assertEquals(
                "NOT_AVRO",
                rejected(failing.read(record("plain text".getBytes()))).reason());
        byte[] good = SERDE.encode(label(CodecKind.TOPK, 4));
        byte[] unknown = good.clone();
        unknown[5] ^= 0x55; // inside the fingerprint
        assertEquals(
                "UNKNOWN_FINGERPRINT", rejected(failing.read(record(unknown))).reason());
        assertEquals(
                "MALFORMED_BODY",
                rejected(failing.read(record(Arrays.copyOf(good, 20)))).reason());
        assertEquals("NOT_AVRO", rejected(failing.read(record(null))).reason());
    }

    @Test
    void nanValuesAreRejectedAsNonFinite() {
        SoftLabels labels = label(CodecKind.TOPK, 4);
        ByteBuffer values = ByteBuffer.allocate(labels.getValues().remaining())
                .put(labels.getValues().duplicate())
                .flip();
        values.order(java.nio.ByteOrder.LITTLE_ENDIAN).putShort(6, Fp16.fromFloat(Float.NaN));
        labels.setValues(values);
        assertEquals(
                "NON_FINITE",
                rejected(failing.read(record(SERDE.encode(labels)))).reason());

        SoftLabels hot = label(CodecKind.TOPK, 4);
        hot.setTemperature(Float.POSITIVE_INFINITY);
        assertEquals(
                "NON_FINITE", rejected(failing.read(record(SERDE.encode(hot)))).reason());

        SoftLabels nats = label(CodecKind.TOPK, 4);
        nats.setTargetNats(Float.NaN);
        assertEquals(
                "NON_FINITE", rejected(failing.read(record(SERDE.encode(nats)))).reason());
    }

    @Test
    void malformedPayloadsAndOutOfVocabularyTokensAreRejected() {
        SoftLabels cut = label(CodecKind.TOPK, 4);
        ByteBuffer ids = cut.getIds().duplicate();
        ids.limit(ids.limit() - 3);
        cut.setIds(ids);
        assertEquals(
                "MALFORMED_PAYLOAD",
                rejected(failing.read(record(SERDE.encode(cut)))).reason());

        SoftLabels token = label(CodecKind.TOPK, 4);
        List<Integer> tokens = new java.util.ArrayList<>(token.getTokens());
        tokens.set(2, 999);
        token.setTokens(tokens);
        assertEquals(
                "MALFORMED_PAYLOAD",
                rejected(failing.read(record(SERDE.encode(token)))).reason());
    }

    @Test
    void theDecodedTopKMatchesWhatWasPacked() {
        SoftLabels labels = label(CodecKind.TOPK, 3);
        TrainingWindow w = accepted(failing.read(record(SERDE.encode(labels))));
        for (int t = 0; t < w.positions(); t++) {
            int[] ids = w.soft().ids()[t];
            assertArrayEquals(Arrays.stream(ids).sorted().toArray(), ids, "ascending ids");
            assertTrue(w.soft().tailMass(t) >= 0);
        }
    }

    static SoftLabels label(CodecKind kind, int size) {
        return new TextLabeler(teacher, new CodecSpec(kind, size), 2f)
                .label(List.of(new SoftLabelEncoder.Window(
                        "doc-1", 0, ByteTokenizer.get().encode("Hello, world!"))))
                .get(0);
    }

    static ConsumerRecord<byte[], byte[]> record(byte[] value) {
        return new ConsumerRecord<>("labels", 0, 42, "doc-1".getBytes(), value);
    }

    private static TrainingWindow accepted(SoftLabelReader.Outcome outcome) {
        return assertInstanceOf(SoftLabelReader.Accepted.class, outcome).window();
    }

    private static SoftLabelReader.Rejected rejected(SoftLabelReader.Outcome outcome) {
        return assertInstanceOf(SoftLabelReader.Rejected.class, outcome);
    }
}
