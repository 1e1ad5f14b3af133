package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.distill.schemas.DeadLetter;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TextSample;
import io.distill.schemas.Topics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of bad input goes to the dead-letter topic with its reason, its original bytes and where it came from,
 * is counted, and the next good record is labelled as usual.
 */
class DeadLetterTopologyTest {
    private static NDManager manager;
    private static TeacherModel teacher;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void loadTeacher() {
        manager = NDManager.newBaseManager();
        teacher = TinyTeacher.create(manager);
    }

    @AfterAll
    static void closeTeacher() {
        manager.close();
    }

    private static final TeacherConfig CONFIG =
            TeacherDriver.config().context(16).maxBatch(1).maxTextBytes(64).build();

    @Test
    void invalidUtf8() {
        byte[] latin1 = {'c', 'a', 'f', (byte) 0xE9};
        assertRejected(TeacherDriver.utf8("k"), latin1, Rejection.INVALID_UTF8);
    }

    /** Not decoded leniently into replacement characters: the same reason as a plain value. */
    @Test
    void invalidUtf8InsideAnAvroTextSample() {
        byte[] value = sample("cafX au lait");
        for (int i = 0; i < value.length - 3; i++) {
            if (value[i] == 'c' && value[i + 1] == 'a' && value[i + 2] == 'f' && value[i + 3] == 'X') {
                value[i + 3] = (byte) 0xE9;
            }
        }
        assertRejected(TeacherDriver.utf8("k"), value, Rejection.INVALID_UTF8);
    }

    @Test
    void invalidUtf8Key() {
        assertRejected(new byte[] {(byte) 0xFF}, TeacherDriver.utf8("fine text"), Rejection.INVALID_UTF8);
    }

    @Test
    void emptyBlankAndNullValues() {
        assertRejected(TeacherDriver.utf8("k"), new byte[0], Rejection.EMPTY);
        assertRejected(TeacherDriver.utf8("k"), TeacherDriver.utf8(" \n\t "), Rejection.EMPTY);
        assertRejected(TeacherDriver.utf8("k"), null, Rejection.EMPTY);
        assertRejected(TeacherDriver.utf8("k"), sample(" "), Rejection.EMPTY);
    }

    @Test
    void oversizedValuesAreNotEvenDecoded() {
        assertRejected(TeacherDriver.utf8("k"), TeacherDriver.utf8("x".repeat(65)), Rejection.OVERSIZED);
    }

    @Test
    void undecodableAvro() {
        byte[] valid = sample("a perfectly good sample");
        assertRejected(TeacherDriver.utf8("k"), Arrays.copyOf(valid, 14), Rejection.MALFORMED_BODY);
    }

    @Test
    void unknownSchemaFingerprint() {
        byte[] other = sample("written with a schema nobody here knows");
        for (int i = 2; i < 10; i++) {
            other[i] ^= 0x5A;
        }
        assertRejected(TeacherDriver.utf8("k"), other, Rejection.UNKNOWN_FINGERPRINT);
    }

    /** Magic byte 0x00, schema id 1, then Avro binary of a short ASCII sample: valid UTF-8 throughout. */
    @Test
    void confluentSchemaRegistryFraming() {
        byte[] avroBody = Arrays.copyOfRange(sample("hello"), 10, sample("hello").length);
        byte[] framed = new byte[5 + avroBody.length];
        framed[4] = 1;
        System.arraycopy(avroBody, 0, framed, 5, avroBody.length);
        assertRejected(TeacherDriver.utf8("k"), framed, Rejection.CONFLUENT_FRAMING);
    }

    @Test
    void aSingleByteHasNothingToPredict() {
        assertRejected(TeacherDriver.utf8("k"), TeacherDriver.utf8("x"), Rejection.TOO_SHORT);
    }

    /**
     * A teacher whose logits are NaN from position 5 on: windows reaching that far are dead letters (their own text,
     * keyed by sample id, with the source record's coordinates); the other windows are labelled. (Batches of two
     * here: a NaN key poisons every earlier query of its row too, since NaN + the mask's -inf is NaN, so a short
     * window padded past position 5 would be lost with it.)
     */
    @Test
    void windowsWithNonFiniteLogitsAreDeadLettersAndTheRestIsLabelled() {
        try (NDManager scope = NDManager.newBaseManager()) {
            TeacherModel poisoned = TinyTeacher.poisonedFrom(scope, 5);
            TeacherConfig config = TeacherDriver.config().context(8).maxBatch(2).build();
            try (TeacherDriver d = new TeacherDriver(config, poisoned, stateDir)) {
                d.sendPlain("long", "0123456789abcdefghij"); // 20 tokens: windows of 8, 8 and 3 positions
                d.sendPlain("short", "abc"); // 2 positions, batched with the 3 of "long" window 2

                List<SoftLabels> labels = d.readSoftLabels();
                assertEquals(
                        List.of("long/2", "short/0"),
                        labels.stream()
                                .map(l -> l.getSampleId() + "/" + l.getWindow())
                                .toList());
                List<TestRecord<byte[], byte[]>> dead = d.readDeadLetters();
                assertEquals(2, dead.size());
                for (int w = 0; w < 2; w++) {
                    Headers h = dead.get(w).headers();
                    assertEquals(Rejection.NON_FINITE_LOGITS.name(), DeadLetter.header(h, DeadLetter.REASON));
                    assertEquals(TeacherProcessor.STAGE, DeadLetter.header(h, DeadLetter.STAGE));
                    assertEquals("0", DeadLetter.header(h, DeadLetter.SOURCE_OFFSET));
                    assertTrue(DeadLetter.header(h, DeadLetter.DETAIL).contains("window " + w), h.toString());
                    assertEquals("long", TeacherTopologyTest.utf8(dead.get(w).key()));
                }
                assertEquals(
                        "0123456789abcdefghij".substring(0, 9),
                        TeacherTopologyTest.utf8(dead.get(0).value()));
                assertEquals(2, d.metrics.deadLetters(Rejection.NON_FINITE_LOGITS));
            }
        }
    }

    @Test
    void manyBadRecordsInARowNeverStopTheStream() {
        try (TeacherDriver d = new TeacherDriver(CONFIG, teacher, stateDir)) {
            for (int i = 0; i < 20; i++) {
                d.text.pipeInput(TeacherDriver.utf8("bad-" + i), new byte[] {(byte) 0xC3, 0x01, 1, 2});
                d.sendPlain("good-" + i, "good " + i);
            }
            assertEquals(20, d.readDeadLetters().size());
            assertEquals(20, d.readSoftLabels().size());
            assertEquals(20, d.metrics.deadLetters());
            assertEquals(40, d.metrics.recordsIn());
        }
    }

    /** Sends the bad record then a good one; checks the dead letter, the counter and that the good one got through. */
    private void assertRejected(byte[] key, byte[] value, Rejection reason) {
        try (TeacherDriver d = new TeacherDriver(CONFIG, teacher, stateDir)) {
            d.text.pipeInput(key, value);
            d.sendPlain("after", "still running");

            List<TestRecord<byte[], byte[]>> dead = d.readDeadLetters();
            assertEquals(1, dead.size(), reason.name());
            TestRecord<byte[], byte[]> letter = dead.get(0);
            assertArrayEquals(key, letter.key(), "original key");
            if (value == null) {
                assertNull(letter.value());
            } else {
                assertArrayEquals(value, letter.value(), "original value");
            }
            Headers h = letter.headers();
            assertEquals(reason.name(), DeadLetter.header(h, DeadLetter.REASON));
            assertEquals(TeacherProcessor.STAGE, DeadLetter.header(h, DeadLetter.STAGE));
            assertEquals(Topics.TEXT, DeadLetter.header(h, DeadLetter.SOURCE_TOPIC));
            assertEquals("0", DeadLetter.header(h, DeadLetter.SOURCE_PARTITION));
            assertEquals("0", DeadLetter.header(h, DeadLetter.SOURCE_OFFSET));
            assertTrue(!DeadLetter.header(h, DeadLetter.DETAIL).isBlank());
            assertEquals(1, d.metrics.deadLetters(reason));
            assertEquals(1, d.metrics.deadLetters());

            List<SoftLabels> labels = d.readSoftLabels();
            assertEquals(1, labels.size(), "the next record is labelled");
            assertEquals("after", labels.get(0).getSampleId());
        }
    }

    private static byte[] sample(String text) {
        return DistillSerdes.textSample()
                .encode(TextSample.newBuilder()
                        .setId("sample")
                        .setText(text)
                        .setSource(null)
                        .setCreatedAt(Instant.ofEpochMilli(0))
                        .build());
    }
}
