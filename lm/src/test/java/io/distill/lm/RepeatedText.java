package io.distill.lm;

import io.distill.lm.tokenize.ByteTokenizer;
import java.util.SplittableRandom;

/** Training windows cut at random offsets from an endless repetition of one text: learnable in a few steps. */
public final class RepeatedText {

    private final int[] ids;
    private final SplittableRandom random;

    public RepeatedText(String text, long seed) {
        this.ids = ByteTokenizer.get().encode(text);
        this.random = new SplittableRandom(seed);
    }

    /** {@code count} windows of {@code length + 1} tokens (inputs and next-token targets). */
    public int[][] windows(int count, int length) {
        int[][] out = new int[count][length + 1];
        for (int b = 0; b < count; b++) {
            int start = random.nextInt(ids.length);
            for (int j = 0; j <= length; j++) {
                out[b][j] = ids[(start + j) % ids.length];
            }
        }
        return out;
    }
}
