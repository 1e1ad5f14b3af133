package io.distill.teacher;

import io.distill.lm.tokenize.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts a document's tokens into next-token windows: a window of L positions holds L + 1 tokens (inputs
 * {@code [0, L)}, targets {@code [1, L]}), as a {@code SoftLabels} record carries them.
 */
public final class Windowing {
    private Windowing() {}

    /**
     * Windows of at most {@code context} positions starting every {@code stride} tokens, until one reaches the end
     * of the document. A document no longer than one window is a single shorter window: nothing is padded on the
     * wire. With {@code stride == context} (the default) consecutive windows share one boundary token, so every
     * next-token position of the document is labelled exactly once; a smaller stride overlaps them.
     *
     * @return no window for a document of fewer than 2 tokens (there is nothing to predict)
     */
    public static List<int[]> cut(int[] tokens, int context, int stride) {
        check(context, stride);
        if (tokens.length < 2) {
            return List.of();
        }
        List<int[]> windows = new ArrayList<>(count(tokens.length, context, stride));
        for (int start = 0; ; start += stride) {
            int end = Math.min(start + context + 1, tokens.length);
            windows.add(Arrays.copyOfRange(tokens, start, end));
            if (end == tokens.length) {
                return windows;
            }
        }
    }

    /**
     * For each of the {@code windows} windows {@link #cut} makes of {@code tokens}, the document byte at which its
     * first token's bytes begin: the bytes the earlier tokens spell ({@link Tokenizer#tokenBytes}), less the
     * document's dummy prefix (Llama 2's leading space, spelled but not part of the text), so it can be -1 at the
     * start. A byte projection adds where in the window's spelling its first labelled byte lies.
     */
    public static long[] byteStarts(Tokenizer tokenizer, int[] tokens, int windows, int stride) {
        long[] spelledBefore = new long[tokens.length + 1];
        for (int i = 0; i < tokens.length; i++) {
            spelledBefore[i + 1] = spelledBefore[i] + tokenizer.tokenBytes(tokens[i]).length;
        }
        long dummyPrefix = spelledBefore[tokens.length] - tokenizer.decode(tokens).length;
        long[] starts = new long[windows];
        for (int w = 0; w < windows; w++) {
            starts[w] = spelledBefore[w * stride] - dummyPrefix;
        }
        return starts;
    }

    /** How many windows {@link #cut} makes of a document of {@code tokens} tokens. */
    public static int count(int tokens, int context, int stride) {
        check(context, stride);
        if (tokens < 2) {
            return 0;
        }
        if (tokens <= context + 1) {
            return 1;
        }
        return 1 + (tokens - (context + 1) + stride - 1) / stride;
    }

    private static void check(int context, int stride) {
        if (context < 1) {
            throw new IllegalArgumentException("context must be at least 1 position, got " + context);
        }
        if (stride < 1 || stride > context) {
            throw new IllegalArgumentException("stride must be in [1, context=" + context + "], got " + stride);
        }
    }
}
