package io.distill.lm.train;

import io.distill.lm.tokenize.ByteTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * A text file as byte tokens, split into a training part and a held-out part that training never sees. The split
 * is by 4 KiB blocks, every n-th block held out, so the holdout samples the whole file (its start, middle and end)
 * and is the same on every run.
 */
public final class TextCorpus {
    static final int BLOCK_BYTES = 4096;

    private final int[] train;
    private final int[] holdout;
    private final double unigramEntropyBits;

    private TextCorpus(int[] train, int[] holdout, double unigramEntropyBits) {
        this.train = train;
        this.holdout = holdout;
        this.unigramEntropyBits = unigramEntropyBits;
    }

    /**
     * @param holdoutFraction share of the blocks held out, e.g. 0.05; a corpus of fewer blocks than it takes to
     *     hold one out keeps its last block back anyway
     */
    public static TextCorpus of(byte[] text, double holdoutFraction) {
        if (!(holdoutFraction > 0 && holdoutFraction < 0.5)) {
            throw new IllegalArgumentException("holdout fraction must be in (0, 0.5), got " + holdoutFraction);
        }
        int[] tokens = ByteTokenizer.get().encode(text);
        int blocks = (tokens.length + BLOCK_BYTES - 1) / BLOCK_BYTES;
        if (blocks < 2) {
            throw new IllegalArgumentException(
                    "the corpus needs at least " + (BLOCK_BYTES + 1) + " bytes to hold some out, got " + text.length);
        }
        int every = Math.max(2, (int) Math.round(1 / holdoutFraction));
        int[] train = new int[tokens.length];
        int[] holdout = new int[tokens.length];
        int nTrain = 0;
        int nHoldout = 0;
        for (int b = 0; b < blocks; b++) {
            int from = b * BLOCK_BYTES;
            int to = Math.min(tokens.length, from + BLOCK_BYTES);
            boolean held = blocks < every ? b == blocks - 1 : b % every == every / 2;
            if (held) {
                System.arraycopy(tokens, from, holdout, nHoldout, to - from);
                nHoldout += to - from;
            } else {
                System.arraycopy(tokens, from, train, nTrain, to - from);
                nTrain += to - from;
            }
        }
        return new TextCorpus(
                Arrays.copyOf(train, nTrain), Arrays.copyOf(holdout, nHoldout), unigramEntropyBitsOf(text));
    }

    public static TextCorpus read(Path file, double holdoutFraction) throws IOException {
        return of(Files.readAllBytes(file), holdoutFraction);
    }

    /** {@code count} windows of {@code length + 1} tokens at random offsets of the training part. */
    public int[][] trainWindows(RandomGenerator random, int count, int length) {
        if (train.length < length + 1) {
            throw new IllegalArgumentException(
                    "training text (" + train.length + " bytes) is shorter than one window of " + (length + 1));
        }
        int[][] windows = new int[count][];
        for (int i = 0; i < count; i++) {
            int start = random.nextInt(train.length - length);
            windows[i] = Arrays.copyOfRange(train, start, start + length + 1);
        }
        return windows;
    }

    public int[] holdout() {
        return holdout.clone();
    }

    /** The training part, in order: e.g. to feed it to a teacher without the holdout. */
    public int[] trainPart() {
        return train.clone();
    }

    public int trainTokens() {
        return train.length;
    }

    public int holdoutTokens() {
        return holdout.length;
    }

    /**
     * Shannon entropy of the text's byte frequencies, bits per byte: what a model that knows only how often each
     * byte occurs would pay. A language model has learned something when its bits per byte are well below it.
     */
    public double unigramEntropyBits() {
        return unigramEntropyBits;
    }

    /** The unigram byte entropy of {@code text}, bits per byte. */
    public static double unigramEntropyBitsOf(byte[] text) {
        long[] counts = new long[256];
        for (byte b : text) {
            counts[b & 0xFF]++;
        }
        double bits = 0;
        for (long c : counts) {
            if (c > 0) {
                double p = (double) c / text.length;
                bits -= p * Math.log(p) / Math.log(2);
            }
        }
        return bits;
    }
}
