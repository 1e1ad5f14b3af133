package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.distill.lm.codec.Codec;
import io.distill.lm.codec.WindowLabels;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.schemas.CodecKind;
import io.distill.schemas.SoftLabels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The teacher topology in a TopologyTestDriver with the tiny model: windowing, codecs, batching, flushing. */
class TeacherTopologyTest {
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

    private TeacherDriver driver(TeacherConfig config) {
        return new TeacherDriver(config, teacher, stateDir);
    }

    @Test
    void documentsAreCutIntoWindowsOfContextPlusOneTokensAtTheStride() {
        String doc = "abcdefghijklmnopqrst"; // 20 tokens
        int[] tokens = ByteTokenizer.get().encode(doc);
        for (int stride : new int[] {8, 4}) {
            TeacherConfig config =
                    TeacherDriver.config().context(8).stride(stride).maxBatch(3).build();
            try (TeacherDriver d = driver(config)) {
                d.sendPlain("doc", doc);
                d.flushByMaxWait(config);

                List<SoftLabels> labels = d.readSoftLabels();
                List<int[]> expected = Windowing.cut(tokens, 8, stride);
                assertEquals(Windowing.count(20, 8, stride), labels.size());
                assertEquals(stride == 8 ? 3 : 4, labels.size());
                for (int w = 0; w < labels.size(); w++) {
                    assertEquals("doc", labels.get(w).getSampleId());
                    assertEquals(w, labels.get(w).getWindow());
                    assertArrayEquals(expected.get(w), ints(labels.get(w).getTokens()));
                    assertArrayEquals(
                            Arrays.copyOfRange(tokens, w * stride, expected.get(w).length + w * stride),
                            expected.get(w));
                }
                // With stride = context the windows share one boundary token and cover every position once.
                if (stride == 8) {
                    assertEquals(
                            19,
                            labels.stream()
                                    .mapToInt(l -> l.getTokens().size() - 1)
                                    .sum());
                }
            }
        }
    }

    @Test
    void aShortDocumentIsOneShorterWindowWithoutPadding() {
        TeacherConfig config = TeacherDriver.config().context(16).maxBatch(1).build();
        try (TeacherDriver d = driver(config)) {
            d.sendSample("short", "hi!");

            List<SoftLabels> labels = d.readSoftLabels();
            assertEquals(1, labels.size());
            assertArrayEquals(
                    ByteTokenizer.get().encode("hi!"), ints(labels.get(0).getTokens()));
            assertEquals(2, DecodedLabels.of(labels.get(0), teacher.vocabSize()).positions());
        }
    }

    @Test
    void everyRecordCarriesTheTeacherIdentityTemperatureAndCodec() {
        TeacherConfig config = TeacherDriver.config()
                .context(8)
                .maxBatch(1)
                .temperature(1.5f)
                .codec(Codec.parse("topk:7"))
                .build();
        try (TeacherDriver d = driver(config)) {
            d.sendPlain("id-1", "hello teacher");

            SoftLabels labels = d.readSoftLabels().get(0);
            assertEquals("tiny-test", labels.getTeacher().getModelId());
            assertEquals("seed-42", labels.getTeacher().getModelVersion());
            assertEquals(ByteTokenizer.ID, labels.getTeacher().getTokenizerId());
            assertEquals(ByteTokenizer.get().checksum(), labels.getTeacher().getTokenizerChecksum());
            assertEquals(ByteTokenizer.VOCAB_SIZE, labels.getTeacher().getVocabSize());
            assertEquals(1.5f, labels.getTemperature());
            assertEquals(CodecKind.TOPK, labels.getCodec().getKind());
            assertEquals(7, labels.getCodec().getSize());
        }
    }

    /**
     * A short and a long window share one padded batch; each must still decode to exactly what the model says for
     * that window alone: the K largest ids, their log-probabilities at T (to fp16 precision) and the log-sum-exp.
     */
    @ParameterizedTest // T = 1 also takes the path where the teacher's own cross-entropy reuses the log-sum-exp at T
    @ValueSource(floats = {1f, 2f})
    void topKDecodesToTheTeachersOwnDistributionAtT(float t) {
        TeacherConfig config = TeacherDriver.config()
                .context(12)
                .maxBatch(2)
                .temperature(t)
                .codec(Codec.parse("topk:32"))
                .build();
        try (TeacherDriver d = driver(config)) {
            d.sendPlain("short", "tiny");
            d.sendPlain("long", "a longer doc.");

            List<SoftLabels> labels = d.readSoftLabels();
            assertEquals(2, labels.size());
            assertEquals(1, d.metrics.batches(), "both windows in one forward pass");
            for (SoftLabels record : labels) {
                WindowLabels decoded = DecodedLabels.of(record, teacher.vocabSize());
                float[][] z = TinyTeacher.scaledLogits(teacher, ints(record.getTokens()), t);
                assertEquals(z.length, decoded.positions());
                for (int j = 0; j < z.length; j++) {
                    float[] zj = z[j];
                    double lse = TinyTeacher.logSumExp(zj);
                    int[] expectedIds = IntStream.range(0, z[j].length)
                            .boxed()
                            .sorted((a, b) -> Float.compare(zj[b], zj[a]))
                            .limit(32)
                            .mapToInt(Integer::intValue)
                            .sorted()
                            .toArray();
                    assertArrayEquals(expectedIds, decoded.ids()[j], "top-32 ids at " + j);
                    // 8-bit steps of 1/16 nat below the position's maximum (docs/wire-format.md): within one step,
                    // once ids more than 255 steps down (read as 255 steps down) are clamped the same way
                    double floor = zj[expectedIds[0]] - lse;
                    for (int id : expectedIds) {
                        floor = Math.max(floor, zj[id] - lse);
                    }
                    floor -= 255.0 / 16;
                    for (int m = 0; m < 32; m++) {
                        double expected = zj[decoded.ids()[j][m]] - lse;
                        assertEquals(Math.max(expected, floor), Math.max(decoded.logProbs()[j][m], floor), 1.0 / 16);
                    }
                    double tail = 1
                            - Arrays.stream(expectedIds)
                                    .mapToDouble(id -> Math.exp(zj[id] - lse))
                                    .sum();
                    assertEquals(tail, decoded.tailMass(j), 1e-3);
                }
                // the teacher's own cross-entropy at T = 1 on the window's next tokens
                float[][] z1 = TinyTeacher.scaledLogits(teacher, ints(record.getTokens()), 1f);
                double nats = 0;
                for (int j = 0; j < z1.length; j++) {
                    nats += TinyTeacher.logSumExp(z1[j])
                            - z1[j][record.getTokens().get(j + 1)];
                }
                assertEquals(nats, record.getTargetNats(), 1e-3 * nats);
            }
        }
    }

    @Test
    void sampledDrawsNIdsAndReplaysDrawTheSame() {
        TeacherConfig config = TeacherDriver.config()
                .context(16)
                .maxBatch(2)
                .codec(Codec.parse("sampled:12"))
                .build();
        List<SoftLabels> first;
        try (TeacherDriver d = driver(config)) {
            d.sendPlain("s1", "sampling is unbiased");
            d.sendPlain("s2", "and repeatable");
            d.flushByMaxWait(config);
            first = d.readSoftLabels();
        }
        List<SoftLabels> second;
        try (TeacherDriver d = driver(config)) {
            // Another batch composition: one window a batch this time.
            d.sendPlain("s2", "and repeatable");
            d.flushByMaxWait(config);
            d.sendPlain("s1", "sampling is unbiased");
            d.flushByMaxWait(config);
            second = d.readSoftLabels();
        }
        assertEquals(3, first.size()); // "sampling is unbiased" is 20 tokens: two windows of at most 16 positions
        for (SoftLabels a : first) {
            WindowLabels decoded = DecodedLabels.of(a, teacher.vocabSize()); // decodes: at most 12 ids a position
            assertEquals(0f, decoded.tailMass(0));
            SoftLabels b = second.stream()
                    .filter(s -> s.getSampleId().equals(a.getSampleId()) && s.getWindow() == a.getWindow())
                    .findFirst()
                    .orElseThrow();
            assertEquals(a.getPayload(), b.getPayload(), "same ids and weights drawn on replay");
        }
    }

    /** At a very low temperature p_T is one-hot on the argmax: kept alone, with weight 1, and nothing is drawn. */
    @Test
    void sampledDrawsFollowTheTeacherDistribution() {
        float t = 1e-4f;
        TeacherConfig config = TeacherDriver.config()
                .context(16)
                .maxBatch(1)
                .temperature(t)
                .codec(Codec.parse("sampled:12"))
                .build();
        try (TeacherDriver d = driver(config)) {
            d.sendPlain("cold", "the coldest distribution");

            for (SoftLabels record : d.readSoftLabels()) {
                WindowLabels decoded = DecodedLabels.of(record, teacher.vocabSize());
                float[][] z = TinyTeacher.scaledLogits(teacher, ints(record.getTokens()), t);
                for (int j = 0; j < z.length; j++) {
                    assertArrayEquals(new int[] {TinyTeacher.argmax(z[j])}, decoded.ids()[j], "position " + j);
                    assertArrayEquals(new float[] {1f}, decoded.weights()[j]);
                }
            }
        }
    }

    @Test
    void windowsOfManyRecordsShareOneForwardPass() {
        TeacherConfig config = TeacherDriver.config()
                .context(32)
                .maxBatch(4)
                .maxWait(Duration.ofSeconds(10))
                .build();
        try (TeacherDriver d = driver(config)) {
            d.sendPlain("r1", "one");
            d.sendPlain("r2", "two");
            d.sendSample("r3", "three");
            assertTrue(d.softLabels.isEmpty(), "three windows wait for a fourth");
            assertEquals(0, d.metrics.batches());

            d.sendPlain("r4", "four");

            List<SoftLabels> labels = d.readSoftLabels();
            assertEquals(
                    List.of("r1", "r2", "r3", "r4"),
                    labels.stream().map(SoftLabels::getSampleId).toList());
            assertEquals(1, d.metrics.batches());
            assertEquals(4, d.metrics.batchWindows());
            assertEquals(1.0, d.metrics.batchFill());
            assertEquals(4, d.metrics.recordsOut());
            assertEquals(2 + 2 + 4 + 3, d.metrics.tokensLabelled());
        }
    }

    @Test
    void aLongDocumentRunsFullBatchesAndLeavesTheRestForTheNextRecords() {
        TeacherConfig config = TeacherDriver.config()
                .context(4)
                .maxBatch(3)
                .maxWait(Duration.ofSeconds(10))
                .build();
        try (TeacherDriver d = driver(config)) {
            d.sendPlain("long", "x".repeat(4 * 7 + 1)); // 7 windows: two full batches, one window left

            assertEquals(6, d.readSoftLabels().size());
            assertEquals(2, d.metrics.batches());

            d.sendPlain("a", "ab");
            d.sendPlain("b", "cd");

            List<SoftLabels> rest = d.readSoftLabels();
            assertEquals(
                    List.of("long", "a", "b"),
                    rest.stream().map(SoftLabels::getSampleId).toList());
            assertEquals(6, rest.get(0).getWindow());
        }
    }

    @Test
    void thePunctuatorFlushesAPartialBatchAfterMaxWait() {
        TeacherConfig config = TeacherDriver.config()
                .context(16)
                .maxBatch(8)
                .maxWait(Duration.ofMillis(400))
                .build();
        try (TeacherDriver d = driver(config)) {
            d.sendPlain("lonely", "nobody to batch with");
            d.advance(Duration.ofMillis(100)); // the first punctuation finds the windows waiting
            d.advance(Duration.ofMillis(300));
            assertTrue(d.softLabels.isEmpty(), "not yet: waited 300 ms of 400");

            d.advance(Duration.ofMillis(100));

            assertEquals(2, d.readSoftLabels().size());
            assertEquals(1, d.metrics.batches());
            assertEquals(2.0 / 8, d.metrics.batchFill());
        }
    }

    /** Records that trickle in without filling a batch do not restart the wait of the windows before them. */
    @Test
    void aTrickleOfSmallRecordsDoesNotPostponeTheMaxWaitFlush() {
        TeacherConfig config = TeacherDriver.config()
                .context(16)
                .maxBatch(8)
                .maxWait(Duration.ofMillis(400))
                .build();
        try (TeacherDriver d = driver(config)) {
            d.sendPlain("first", "waits");
            d.advance(Duration.ofMillis(100)); // seen waiting
            for (int i = 0; i < 3; i++) {
                d.sendPlain("next-" + i, "more");
                d.advance(Duration.ofMillis(100));
            }
            d.sendPlain("last", "one more");
            d.advance(Duration.ofMillis(100));

            assertEquals(5, d.readSoftLabels().size(), "flushed 400 ms after the first was seen, not later");
        }
    }

    /** The buffer is the changelogged store: a window is put when buffered and deleted when published. */
    @Test
    void bufferedWindowsAreWrittenToTheChangelogAndDeletedWhenPublished() {
        TeacherConfig config = TeacherDriver.config()
                .context(16)
                .maxBatch(8)
                .maxWait(Duration.ofMillis(100))
                .build();
        try (TeacherDriver d = driver(config)) {
            var changelog = d.changelog();
            d.sendPlain("kept", "two buffered windows"); // 20 tokens

            List<TestRecord<byte[], byte[]>> puts = changelog.readRecordsToList();
            assertEquals(2, puts.size());
            PendingWindow first = PendingWindow.fromBytes(puts.get(0).value());
            assertEquals("kept", first.sampleId());
            assertEquals(0, first.window());

            d.flushByMaxWait(config);

            List<TestRecord<byte[], byte[]>> deletes = changelog.readRecordsToList();
            assertEquals(2, deletes.size());
            deletes.forEach(r -> assertNull(r.value(), "a tombstone"));
            assertArrayEquals(puts.get(0).key(), deletes.get(0).key());
            assertEquals(2, d.readSoftLabels().size());
        }
    }

    private static int[] ints(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
