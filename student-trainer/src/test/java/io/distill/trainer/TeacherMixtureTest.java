package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.lm.codec.TopK;
import io.distill.lm.codec.WindowLabels;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The join of {@link TeacherMixture}: records of two teachers whose windows end at different bytes. Teacher "a" puts
 * all its mass on id 0 and "b" on id 1, so every mixed position at 0.5/0.5 is exactly {0: .5, 1: .5}.
 */
class TeacherMixtureTest {
    private static final int VOCAB = 4;
    private static final int BOS = 3;
    private static final TopicPartition TP = new TopicPartition("distill.soft-labels", 0);
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** The document's bytes, ids below {@link #BOS}. */
    private static final int[] DOC = {0, 1, 2, 0, 2, 1, 1, 0, 2, 2, 0, 1, 0, 0, 2, 1};

    private final MixtureMetrics metrics = new MixtureMetrics(new SimpleMeterRegistry(), Tags.empty());
    private long offset;

    private TeacherMixture mixture(long maxPositions) {
        return new TeacherMixture(TeacherWeights.parse("a=0.5,b=0.5"), VOCAB, maxPositions, WAIT, metrics);
    }

    @Test
    void bytesAllTeachersCoverAreMixedAcrossDifferentWindowBoundaries() {
        TeacherMixture mixture = mixture(1000);
        List<TrainingWindow> mixed = new ArrayList<>();
        List<TrainingWindow> released = new ArrayList<>();
        // a cuts the document at 8, b labels from byte 3 (its first token was context only) and cuts at 10
        for (SoftLabelReader.Accepted r : List.of(
                segment("a", "doc", 0, 8),
                segment("b", "doc", 3, 10),
                segment("a", "doc", 8, 16),
                segment("b", "doc", 10, 16))) {
            TeacherMixture.Joined j = assertInstanceOf(TeacherMixture.Joined.class, mixture.offer(r, 0));
            mixed.addAll(j.mixed());
            released.addAll(j.released());
        }

        assertEquals(
                List.of(5, 2, 6), mixed.stream().map(TrainingWindow::positions).toList(), "[3,8) [8,10) [10,16)");
        assertArrayEquals(Arrays.copyOfRange(DOC, 2, 8), mixed.get(0).tokens(), "input byte 2, targets bytes 3..7");
        assertArrayEquals(Arrays.copyOfRange(DOC, 9, 16), mixed.get(2).tokens());
        for (TrainingWindow w : mixed) {
            assertEquals(new TopK(VOCAB), w.codec(), "a mixture of probabilities trains as dense top-k");
            for (int t = 0; t < w.positions(); t++) {
                assertArrayEquals(new float[] {0.5f, 0.5f, 0f, 0f}, w.soft().weights()[t], 1e-6f);
            }
        }
        // each record is released with the window that mixes its last byte: a0 by [3,8), b0 by [8,10), a1 and b1
        assertEquals(
                List.of(List.of(0L), List.of(1L), List.of(2L, 3L)),
                mixed.stream()
                        .map(w -> w.records().stream()
                                .map(TrainingWindow.Origin::offset)
                                .sorted()
                                .toList())
                        .toList());
        assertEquals(List.of(), released);
        assertEquals(3, metrics.droppedPositions.get(), "bytes 0..2, which only a labelled");
        assertEquals(13, metrics.mixedPositions.get());
        assertEquals(0, mixture.bufferedPositions());
    }

    @Test
    void recordsOfTeachersNotNamedAreIgnoredAndCounted() {
        TeacherMixture mixture = mixture(1000);

        assertInstanceOf(TeacherMixture.Ignored.class, mixture.offer(segment("c", "doc", 0, 8), 0));
        assertInstanceOf(TeacherMixture.Ignored.class, mixture.offer(segment("c", "doc", 8, 16), 0));

        assertEquals(2, metrics.ignoredRecords.get());
        assertEquals(0, mixture.bufferedPositions());
    }

    @Test
    void aMissingTeacherCannotStallTheJoin() {
        TeacherMixture mixture = mixture(1000);
        long start = 1_000L;
        mixture.offer(segment("a", "doc", 0, 8), start);

        assertEquals(List.of(), mixture.evictStale(start + WAIT.toNanos() - 1));
        List<TrainingWindow> released = mixture.evictStale(start + WAIT.toNanos());

        assertEquals(List.of(0L), released.stream().map(TrainingWindow::offset).toList());
        assertEquals(1, metrics.evictedSamples.get());
        assertEquals(8, metrics.droppedPositions.get());
        assertEquals(0, mixture.bufferedPositions());
    }

    @Test
    void theOldestJoinIsEvictedWhenTheBufferIsFull() {
        TeacherMixture mixture = mixture(10);
        mixture.offer(segment("a", "first", 0, 8), 0);

        TeacherMixture.Joined j =
                assertInstanceOf(TeacherMixture.Joined.class, mixture.offer(segment("a", "second", 0, 8), 1));

        assertEquals(
                List.of("first"),
                j.released().stream().map(TrainingWindow::sampleId).toList());
        assertEquals(8, mixture.bufferedPositions());
        assertEquals(1, metrics.evictedSamples.get());
    }

    @Test
    void recordsThatCannotBeJoinedAreRefusedWithAReason() {
        TeacherMixture mixture = mixture(1000);
        SoftLabelReader.Accepted noOffset = segment("a", "doc", 0, 8);
        mixture.offer(segment("a", "other", 0, 8), 0);

        TeacherMixture.Refused unjoinable = assertInstanceOf(
                TeacherMixture.Refused.class,
                mixture.offer(new SoftLabelReader.Accepted(noOffset.window(), "a", OptionalLong.empty()), 0));
        TeacherMixture.Refused hotter =
                assertInstanceOf(TeacherMixture.Refused.class, mixture.offer(segment("b", "other", 0, 8, 2f), 0));

        assertEquals(TeacherMixture.NOT_JOINABLE, unjoinable.reason());
        assertEquals(TeacherMixture.TEMPERATURE_MISMATCH, hotter.reason());
        assertTrue(hotter.detail().contains("T=2.0"), hotter.detail());
    }

    private SoftLabelReader.Accepted segment(String teacher, String sample, int from, int to) {
        return segment(teacher, sample, from, to, 1f);
    }

    /** Teacher {@code teacher}'s record for document bytes [from, to): all its mass on id 0 (a) or 1 (others). */
    private SoftLabelReader.Accepted segment(String teacher, String sample, int from, int to, float temperature) {
        int positions = to - from;
        int[] tokens = new int[positions + 1];
        tokens[0] = from == 0 ? BOS : DOC[from - 1];
        System.arraycopy(DOC, from, tokens, 1, positions);
        int[][] ids = new int[positions][];
        float[][] weights = new float[positions][];
        float[][] logProbs = new float[positions][];
        for (int t = 0; t < positions; t++) {
            ids[t] = new int[] {teacher.equals("a") ? 0 : 1};
            weights[t] = new float[] {1f};
            logProbs[t] = new float[] {0f};
        }
        TrainingWindow w = new TrainingWindow(
                sample,
                0,
                tokens,
                WindowLabels.byWeight(ids, weights, logProbs, new float[positions]),
                temperature,
                new TopK(1),
                OptionalDouble.empty(),
                TP,
                offset++,
                null,
                null);
        return new SoftLabelReader.Accepted(w, teacher, OptionalLong.of(from));
    }
}
