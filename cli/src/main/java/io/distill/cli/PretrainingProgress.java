package io.distill.cli;

import io.distill.lm.Durations;
import io.distill.lm.train.Pretraining;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Pretraining's progress on stderr, one line per event: a step line at most every 5 s (tokens/s, loss, learning
 * rate, ETA) and every holdout evaluation next to the text's unigram entropy. Keeps the last evaluation, which the
 * caller reports as the model's result.
 */
final class PretrainingProgress implements Pretraining.Listener {
    private static final long EVERY_NANOS = 5_000_000_000L;

    private final PrintWriter err;
    private final String prefix;
    private final double unigramEntropyBits;
    private long lastPrint;
    private double lastHoldout = Double.NaN;

    /** @param prefix what each line starts with, e.g. {@code "pretrain:"} */
    PretrainingProgress(PrintWriter err, String prefix, double unigramEntropyBits) {
        this.err = err;
        this.prefix = prefix;
        this.unigramEntropyBits = unigramEntropyBits;
    }

    @Override
    public void stepped(Pretraining.Progress p) {
        long now = System.nanoTime();
        if (now - lastPrint >= EVERY_NANOS) {
            lastPrint = now;
            err.printf(
                    Locale.ROOT,
                    "%s step %,d | %,.0f tokens/s | loss %.3f | lr %.1e | %s elapsed, ETA %s%n",
                    prefix,
                    p.step(),
                    p.tokensPerSecond(),
                    p.loss(),
                    p.learningRate(),
                    Durations.clock(p.elapsed()),
                    Durations.clock(p.remaining()));
            err.flush();
        }
    }

    @Override
    public void evaluated(long step, double bitsPerByte) {
        lastHoldout = bitsPerByte;
        err.printf(
                Locale.ROOT,
                "%s step %,d | holdout %.3f bits/byte (unigram entropy %.3f)%n",
                prefix,
                step,
                bitsPerByte,
                unigramEntropyBits);
        err.flush();
    }

    /** The last holdout evaluation, NaN before the first. */
    double lastHoldout() {
        return lastHoldout;
    }
}
