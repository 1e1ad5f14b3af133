package io.distill.bench;

import io.distill.lm.Durations;
import io.distill.lm.train.TrainStep;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** Progress lines on stderr: at most every 5 s, and every evaluation. */
public final class QualityProgress implements QualityBenchmark.Listener {
    private static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;

    private final PrintWriter err;
    private final List<QualityArm> arms;
    private long lastPrint;

    public QualityProgress(PrintWriter err, QualityBenchmark.Options options) {
        this.err = err;
        this.arms = options.arms();
    }

    @Override
    public void stepped(QualityBenchmark.Progress p) {
        long now = System.nanoTime();
        if (now - lastPrint < PROGRESS_EVERY_NANOS && p.step() < p.steps()) {
            return;
        }
        lastPrint = now;
        StringBuilder losses = new StringBuilder();
        for (int i = 0; i < arms.size(); i++) {
            TrainStep.Result r = p.results().get(i);
            losses.append(i == 0 ? "" : ", ")
                    .append(arms.get(i).name())
                    .append(String.format(Locale.ROOT, " %.3f", r.loss()));
            if (arms.get(i).needsTeacher()) {
                losses.append(String.format(Locale.ROOT, " (ce %.3f)", r.ce()));
            }
        }
        err.printf(
                Locale.ROOT,
                "quality: step %,d/%,d | loss %s | %,.0f tokens/s per arm | %s elapsed, ETA %s%n",
                p.step(),
                p.steps(),
                losses,
                p.tokensPerArm() / Math.max(1e-9, p.elapsed().toNanos() / 1e9),
                Durations.clock(p.elapsed()),
                Durations.clock(p.remaining()));
        err.flush();
    }

    @Override
    public void evaluated(QualityBenchmark.Evaluation e) {
        StringBuilder bits = new StringBuilder();
        for (int i = 0; i < arms.size(); i++) {
            bits.append(i == 0 ? "" : ", ")
                    .append(arms.get(i).name())
                    .append(String.format(Locale.ROOT, " %.4f", e.bitsPerByte().get(i)));
        }
        err.printf(
                Locale.ROOT,
                "quality: step %,d (%,d tokens per arm) | holdout bits/byte: %s%n",
                e.step(),
                e.tokens(),
                bits);
        err.flush();
    }
}
