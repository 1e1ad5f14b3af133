package io.distill.bench;

import java.util.Locale;

/** {@link TeacherBenchmark}'s result as Markdown, as {@code distill bench teacher} prints it. */
public final class TeacherBenchTable {
    private TeacherBenchTable() {}

    /** The result as a Markdown table. */
    public static String markdown(TeacherBenchmark.Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "model %s params, %s, batches of %d x %d positions, %d windows a run; bare forward loop median"
                        + " %,.0f tokens/s over %d runs (%s); %d cores, load average %.1f before, %.1f after%n%n",
                String.format(Locale.ROOT, "%,d", r.config().parameterCount()),
                r.precision().flag(),
                r.maxBatch(),
                r.context(),
                r.windows(),
                r.bareTokensPerSecond(),
                r.bareRuns().size(),
                String.join(
                        ", ",
                        r.bareRuns().stream()
                                .map(x -> String.format(Locale.ROOT, "%,.0f", x))
                                .toList()),
                Runtime.getRuntime().availableProcessors(),
                r.loadAverages().get(0),
                r.loadAverages().get(1)));
        sb.append("| codec | service tokens/s | service / bare loop around it "
                + "| forward pass share of a stream thread's time | forward + codec share "
                + "| its forward passes alone / bare loop | CPU beside the forward: JIT, GC, other "
                + "| batch fill | wire bytes/token | vs dense fp32 | vs dense fp16 |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (TeacherBenchmark.CodecRun run : r.runs()) {
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %,.0f | %.2f | %.0f%% | %.0f%% | %.2f | %.1f%%, %.1f%%, %.1f%% | %.2f | %.1f | %.1f%% | %.1f%% |%n",
                    run.codec(),
                    run.tokensPerSecond(),
                    run.ratioToBare(),
                    100 * run.forwardShare(),
                    100 * run.labelShare(),
                    run.forwardTokensPerSecond() / r.bareTokensPerSecond(),
                    100 * run.cpu().jit(),
                    100 * run.cpu().gc(),
                    100 * run.cpu().other(),
                    run.batchFill(),
                    run.wireBytesPerToken(),
                    100 * run.wireBytesPerToken() / r.denseFp32BytesPerToken(),
                    100 * run.wireBytesPerToken() / r.denseFp16BytesPerToken()));
        }
        sb.append(String.format(
                Locale.ROOT,
                "| dense fp32 logits | | | | | | | | %.0f | 100%% | |%n| dense fp16 logits | | | | | | | | %.0f | | 100%% |%n",
                r.denseFp32BytesPerToken(),
                r.denseFp16BytesPerToken()));
        return sb.toString();
    }
}
