package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.codec.Codec;
import io.distill.lm.codec.Sampled;
import io.distill.lm.codec.TopK;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.train.Divergence;
import io.distill.schemas.AvroSerde;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TeacherIdentity;
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
        SoftLabels labels = label(new TopK(8));
        TrainingWindow w = accepted(failing.read(record(SERDE.encode(labels))));
        assertEquals("doc-1", w.sampleId());
        assertEquals(
                List.copyOf(labels.getTokens()),
                Arrays.stream(w.tokens()).boxed().toList());
        assertEquals(w.positions(), w.soft().positions());
        assertEquals(8, w.soft().ids()[0].length);
        assertTrue(w.targetNats().isPresent());
        assertEquals(new TrainingWindow.BatchKey(new TopK(8), 2f), w.batchKey());
    }

    @Test
    void theTeacherAndTheByteOffsetComeWithTheWindowAndANegativeOffsetIsRejected() {
        SoftLabels labels = label(new TopK(8));
        SoftLabelReader.Accepted plain =
                assertInstanceOf(SoftLabelReader.Accepted.class, failing.read(record(SERDE.encode(labels))));
        labels.setByteOffset(1234L);
        SoftLabelReader.Accepted projected =
                assertInstanceOf(SoftLabelReader.Accepted.class, failing.read(record(SERDE.encode(labels))));
        labels.setByteOffset(-1L);

        assertEquals(labels.getTeacher().getModelId(), projected.teacher());
        assertTrue(plain.byteOffset().isEmpty());
        assertEquals(1234L, projected.byteOffset().getAsLong());
        assertEquals(
                "MALFORMED_PAYLOAD",
                rejected(failing.read(record(SERDE.encode(labels)))).reason());
    }

    @Test
    void aSampledRecordBecomesAWindow() {
        TrainingWindow w = accepted(failing.read(record(SERDE.encode(label(new Sampled(12))))));
        // importance weights: unbiased estimates of p_T, each positive, not normalised per position
        for (float x : w.soft().weights()[0]) {
            assertTrue(Float.isFinite(x) && x > 0f, "weight " + x);
        }
    }

    @Test
    void anotherTokenizerFailsFastNamingBothSides() {
        SoftLabels labels = label(new TopK(4));
        labels.setTeacher(TeacherIdentity.newBuilder(labels.getTeacher())
                .setTokenizerId("gpt2-bpe")
                .setTokenizerChecksum("feedfacecafe0000")
                .setVocabSize(50257)
                .build());
        UnusableStreamException e =
                assertThrows(UnusableStreamException.class, () -> failing.read(record(SERDE.encode(labels))));
        assertTrue(e.getMessage().contains("gpt2-bpe") && e.getMessage().contains("50257"), e.getMessage());
        assertTrue(e.getMessage().contains(ByteTokenizer.ID) && e.getMessage().contains("259"), e.getMessage());
        assertEquals(
                SoftLabelReader.TOKENIZER_MISMATCH,
                rejected(lenient.read(record(SERDE.encode(labels)))).reason());
    }

    @Test
    void aLossTheCodecCannotGiveStopsTheTrainerNamingIt() {
        SoftLabelReader reverseKl = new SoftLabelReader(
                ByteTokenizer.get(),
                ByteTokenizer.VOCAB_SIZE,
                TrainerConfig.OnTokenizerMismatch.FAIL,
                Divergence.parse("reverse-kl"));
        UnusableStreamException e = assertThrows(
                UnusableStreamException.class, () -> reverseKl.read(record(SERDE.encode(label(new Sampled(12))))));
        assertTrue(e.getMessage().contains("reverse-kl") && e.getMessage().contains("sampled"), e.getMessage());
        accepted(reverseKl.read(record(SERDE.encode(label(new TopK(8)))))); // top-k carries the probabilities
    }

    @Test
    void aDifferentChecksumAloneIsAMismatch() {
        SoftLabels labels = label(new TopK(4));
        labels.setTeacher(TeacherIdentity.newBuilder(labels.getTeacher())
                .setTokenizerChecksum("0".repeat(64))
                .build());
        assertThrows(UnusableStreamException.class, () -> failing.read(record(SERDE.encode(labels))));
    }

    @Test
    void badBytesAreRejectedWithTheDecodersReason() {
        assertEquals(
                "NOT_AVRO",
                rejected(failing.read(record("plain text".getBytes()))).reason());
        byte[] good = SERDE.encode(label(new TopK(4)));
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
        SoftLabels labels = label(new TopK(4));
        labels.setPayload(withNanTail(labels.getPayload(), 4));
        assertEquals(
                "NON_FINITE",
                rejected(failing.read(record(SERDE.encode(labels)))).reason());

        SoftLabels hot = label(new TopK(4));
        hot.setTemperature(Float.POSITIVE_INFINITY);
        assertEquals(
                "NON_FINITE", rejected(failing.read(record(SERDE.encode(hot)))).reason());

        SoftLabels nats = label(new TopK(4));
        nats.setTargetNats(Float.NaN);
        assertEquals(
                "NON_FINITE", rejected(failing.read(record(SERDE.encode(nats)))).reason());
    }

    /**
     * The payload with the last position's ln(tail mass) set to fp16 NaN: in the top-k layout a position's values
     * are that fp16 and K bytes, and the last position's come last (docs/wire-format.md).
     */
    static ByteBuffer withNanTail(ByteBuffer payload, int k) {
        byte[] bytes = new byte[payload.remaining()];
        payload.duplicate().get(bytes);
        bytes[bytes.length - k - 2] = 0x00;
        bytes[bytes.length - k - 1] = 0x7E;
        return ByteBuffer.wrap(bytes);
    }

    @Test
    void aTinyRecordClaimingBillionsOfDrawsIsDeadLetteredNotAllocated() {
        // issue 11: ~20 bytes claiming sampled:2^31-1 and 2^31-2 distinct ids at a position
        SoftLabels huge = label(new TopK(4));
        huge.setTokens(List.of(65, 66));
        huge.setCodec(io.distill.schemas.Codec.newBuilder()
                .setKind(io.distill.schemas.CodecKind.SAMPLED)
                .setSize(Integer.MAX_VALUE)
                .build());
        byte[] claim = {1, 0, (byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07};
        huge.setPayload(ByteBuffer.wrap(claim));
        assertEquals(
                "MALFORMED_PAYLOAD",
                rejected(failing.read(record(SERDE.encode(huge)))).reason());
        // the same claim under a legal codec
        huge.setCodec(io.distill.schemas.Codec.newBuilder()
                .setKind(io.distill.schemas.CodecKind.SAMPLED)
                .setSize(255)
                .build());
        SoftLabelReader.Rejected r = rejected(failing.read(record(SERDE.encode(huge))));
        assertEquals("MALFORMED_PAYLOAD", r.reason(), r.detail());
    }

    @Test
    void aPayloadOfAnUnknownLayoutIsDeadLetteredAsSuch() {
        SoftLabels labels = label(new TopK(4));
        byte[] bytes = new byte[labels.getPayload().remaining()];
        labels.getPayload().duplicate().get(bytes);
        bytes[0] = 9;
        labels.setPayload(ByteBuffer.wrap(bytes));
        SoftLabelReader.Rejected r = rejected(failing.read(record(SERDE.encode(labels))));
        assertEquals("UNKNOWN_LAYOUT", r.reason());
        assertTrue(r.detail().contains("layout 9"), r.detail());
    }

    @Test
    void malformedPayloadsAndOutOfVocabularyTokensAreRejected() {
        SoftLabels cut = label(new TopK(4));
        ByteBuffer payload = cut.getPayload().duplicate();
        payload.limit(payload.limit() - 3);
        cut.setPayload(payload);
        assertEquals(
                "MALFORMED_PAYLOAD",
                rejected(failing.read(record(SERDE.encode(cut)))).reason());

        SoftLabels token = label(new TopK(4));
        List<Integer> tokens = new java.util.ArrayList<>(token.getTokens());
        tokens.set(2, 999);
        token.setTokens(tokens);
        assertEquals(
                "MALFORMED_PAYLOAD",
                rejected(failing.read(record(SERDE.encode(token)))).reason());
    }

    @Test
    void theDecodedTopKMatchesWhatWasPacked() {
        SoftLabels labels = label(new TopK(3));
        TrainingWindow w = accepted(failing.read(record(SERDE.encode(labels))));
        for (int t = 0; t < w.positions(); t++) {
            int[] ids = w.soft().ids()[t];
            assertArrayEquals(Arrays.stream(ids).sorted().toArray(), ids, "ascending ids");
            assertTrue(w.soft().tailMass(t) >= 0);
        }
    }

    static SoftLabels label(Codec codec) {
        return new TextLabeler(teacher, codec, 2f)
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
