package io.distill.lm.train;

import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.tokenize.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * A text file as tokens (bytes, or the ids of any {@link Tokenizer}), split into a training part and a held-out part
 * that training never sees. The split is by 4 KiB blocks of the text's bytes (moved to the next character start, so
 * no UTF-8 character is cut), every n-th block held out, so the holdout samples the whole file (its start, middle and
 * end) and is the same on every run; each part is then tokenized as one text.
 */
public final class TextCorpus {
    static final int BLOCK_BYTES = 4096;

    private final Tokenizer tokenizer;
    private final int[] train;
    private final int[] holdout;
    private final double unigramEntropyBits;

    private TextCorpus(Tokenizer tokenizer, int[] train, int[] holdout, double unigramEntropyBits) {
        this.tokenizer = tokenizer;
        this.train = train;
        this.holdout = holdout;
        this.unigramEntropyBits = unigramEntropyBits;
    }

    /**
     * @param holdoutFraction share of the blocks held out, e.g. 0.05; a corpus of fewer blocks than it takes to
     *     hold one out keeps its last block back anyway
     */
    public static TextCorpus of(byte[] text, double holdoutFraction) {
        return of(text, holdoutFraction, ByteTokenizer.get());
    }

    /** As {@link #of(byte[], double)}, tokenized by {@code tokenizer} (without BOS: windows start anywhere). */
    public static TextCorpus of(byte[] text, double holdoutFraction, Tokenizer tokenizer) {
        if (!(holdoutFraction > 0 && holdoutFraction < 0.5)) {
            throw new IllegalArgumentException("holdout fraction must be in (0, 0.5), got " + holdoutFraction);
        }
        int blocks = (text.length + BLOCK_BYTES - 1) / BLOCK_BYTES;
        if (blocks < 2) {
            throw new IllegalArgumentException(
                    "the corpus needs at least " + (BLOCK_BYTES + 1) + " bytes to hold some out, got " + text.length);
        }
        int every = Math.max(2, (int) Math.round(1 / holdoutFraction));
        ByteArrayOutputStream train = new ByteArrayOutputStream(text.length);
        ByteArrayOutputStream holdout = new ByteArrayOutputStream(text.length / every + BLOCK_BYTES);
        for (int b = 0; b < blocks; b++) {
            int from = characterStart(text, b * BLOCK_BYTES);
            int to = characterStart(text, Math.min(text.length, (b + 1) * BLOCK_BYTES));
            boolean held = blocks < every ? b == blocks - 1 : b % every == every / 2;
            (held ? holdout : train).write(text, from, to - from);
        }
        return new TextCorpus(
                tokenizer,
                encode(tokenizer, train.toByteArray()),
                encode(tokenizer, holdout.toByteArray()),
                unigramEntropyBitsOf(text));
    }

    /** {@code i}, or the first position after it that does not continue a UTF-8 character. */
    private static int characterStart(byte[] text, int i) {
        int limit = Math.min(text.length, i + 3);
        while (i < limit && (text[i] & 0xC0) == 0x80) {
            i++;
        }
        return i;
    }

    private static int[] encode(Tokenizer tokenizer, byte[] part) {
        return tokenizer instanceof ByteTokenizer bytes
                ? bytes.encode(part)
                : tokenizer.encode(new String(part, StandardCharsets.UTF_8));
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

    /** The tokenizer whose ids the parts are. */
    public Tokenizer tokenizer() {
        return tokenizer;
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
