package io.distill.lm.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The id section: Rice-coded gaps or window dictionary, and the LEB128 encodings records already on topics carry. */
class IdSectionTest {
    private static final Codec CODEC = new Sampled(255);

    @Test
    void windowsRoundTripInWhicheverEncodingIsSmaller() {
        SplittableRandom random = new SplittableRandom(7);
        for (int vocab : new int[] {2, 259, 32_000, 262_144}) {
            for (boolean repeating : new boolean[] {false, true}) {
                for (boolean counts : new boolean[] {false, true}) {
                    int[][] ids = window(random, vocab, repeating, counts ? 0 : Math.min(vocab, 16));
                    byte[] payload = IdSection.payload(9, ids, counts, new ByteSink(0));
                    PayloadReader in = PayloadReader.open(payload, 9, CODEC);
                    int[][] read = IdSection.read(in, ids.length, counts ? 0 : ids[0].length, 255, vocab);
                    in.requireEnd(ids.length);
                    for (int t = 0; t < ids.length; t++) {
                        assertArrayEquals(ids[t], read[t], vocab + " ids, position " + t);
                    }
                    if (vocab >= 32_000) {
                        assertEquals(
                                repeating ? 3 : 2, payload[1], "encoding at " + vocab + ", repeating " + repeating);
                    }
                }
            }
        }
    }

    @Test
    void sixteenUniformIdsOfA262kVocabularyCostAboutTheirEntropy() {
        // log2 C(262144, 16) = 244 bits = 30.5 bytes a position; LEB128 gaps took 40
        int[][] ids = window(new SplittableRandom(3), 262_144, false, 16);
        double perPosition = IdSection.payload(9, ids, false, new ByteSink(0)).length / (double) ids.length;
        assertTrue(perPosition > 30.5 && perPosition < 32, perPosition + " bytes a position");
    }

    @Test
    void theVarintEncodingsOfEarlierTeachersAreStillRead() {
        // two positions of a 300-id vocabulary: {5, 200} and {5}; 200 - 5 - 1 = 194 is two LEB128 bytes
        byte[] gaps = {9, 0, 2, 5, (byte) 0xC2, 0x01, 1, 5};
        // the same as a dictionary {5, 200}: size 2, gaps 5 and 194, then per position D and index gaps
        byte[] dictionary = {9, 1, 2, 5, (byte) 0xC2, 0x01, 2, 0, 0, 1, 0};
        for (byte[] payload : new byte[][] {gaps, dictionary}) {
            PayloadReader in = PayloadReader.open(payload, 9, CODEC);
            int[][] ids = IdSection.read(in, 2, 0, 255, 300);
            in.requireEnd(2);
            assertArrayEquals(new int[] {5, 200}, ids[0]);
            assertArrayEquals(new int[] {5}, ids[1]);
        }
    }

    @Test
    void anIdEncodingFromANewerTeacherIsRefusedAsAnUnknownLayout() {
        var e = assertThrows(InvalidPayloadException.class, () -> read(new byte[] {9, 4, 0, 0, 0, 0}, 1));
        assertEquals(InvalidPayloadException.Reason.UNKNOWN_LAYOUT, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("encoding 4"), e.getMessage());
    }

    @Test
    void craftedRiceRunsAreRefusedQuickly() {
        // a parameter beyond 30; a count past the codec's 255; a gap run of one-bits claiming an id far past the
        // vocabulary, 64 kB of them (refused at the vocabulary, not counted to the end); non-zero padding; a
        // dictionary of 2^31 - 2 ids in a few bytes
        CraftedPayloads.assertMalformed(() -> read(new byte[] {9, 2, 31, 0, 0, 0, 0, 0, 0, 0, 0}, 1));
        CraftedPayloads.assertMalformed(() -> read(new byte[] {9, 2, 0, (byte) 0xFF, (byte) 0xFF, 0, 0}, 1));
        byte[] ones = new byte[65_536];
        Arrays.fill(ones, (byte) 0xFF);
        ones[0] = 9;
        ones[1] = 2;
        ones[2] = 0; // counts at k = 0: the first bit of 0xFF starts a unary run
        var e = assertTimeoutPreemptively(
                Duration.ofSeconds(2), () -> assertThrows(InvalidPayloadException.class, () -> read(ones, 1)));
        assertTrue(e.getMessage().contains("outside 0..254"), e.getMessage());
        CraftedPayloads.assertMalformed(() -> read(new byte[] {9, 2, 0, 0x01, 0, 0}, 1));
        CraftedPayloads.assertMalformed(
                () -> read(new byte[] {9, 3, (byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 7, 0}, 1));
        // the well-formed neighbour of the padding case: count 1, id 0, zero padding
        assertArrayEquals(new int[] {0}, read(new byte[] {9, 2, 0, 0, 0, 0}, 1)[0]);
    }

    @Test
    void randomBytesAreRefusedOrReadAsAscendingIdsInTheVocabulary() {
        SplittableRandom random = new SplittableRandom(11);
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            // half the bytes small, so that parameter bytes are often valid and codes short: most payloads get past
            // the first checks
            byte[] junk = new byte[2 + random.nextInt(24)];
            for (int j = 2; j < junk.length; j++) {
                junk[j] = (byte) (random.nextBoolean() ? random.nextInt(8) : random.nextInt(256));
            }
            junk[0] = 9;
            junk[1] = (byte) (2 + random.nextInt(2));
            try {
                for (int[] position : read(junk, 1 + random.nextInt(3))) {
                    for (int j = 0; j < position.length; j++) {
                        assertTrue(position[j] >= 0 && position[j] < 259 && (j == 0 || position[j] > position[j - 1]));
                    }
                }
            } catch (InvalidPayloadException e) {
                refused++;
            }
        }
        assertTrue(refused > 0 && refused < 20_000, refused + " refused");
    }

    private static int[][] read(byte[] payload, int positions) {
        return IdSection.read(PayloadReader.open(payload, 9, CODEC), positions, 0, 255, 259);
    }

    /** 64 positions of distinct ascending ids: {@code fixed} a position, or 1 to 16 when 0. */
    private static int[][] window(SplittableRandom random, int vocab, boolean repeating, int fixed) {
        int[] pool = random.ints(40, 0, vocab).toArray();
        int[][] ids = new int[64][];
        for (int t = 0; t < ids.length; t++) {
            int count = fixed > 0 ? fixed : 1 + random.nextInt(Math.min(vocab, 16));
            ids[t] = IntStream.generate(() -> repeating ? pool[random.nextInt(pool.length)] : random.nextInt(vocab))
                    .distinct()
                    .limit(Math.min(count, repeating ? Math.min(vocab, 30) : vocab))
                    .sorted()
                    .toArray();
        }
        return ids;
    }
}
