package io.distill.bench;

import io.distill.lm.Durations;
import java.util.Locale;

/** The on-policy benchmark's result as Markdown: the arms, the references, and one generation per arm. */
public final class OnPolicyTable {

    private OnPolicyTable() {}

    public static String markdown(OnPolicyBenchmark.Result r) {
        OnPolicyBenchmark.ArmResult base = r.arms().get(0);
        StringBuilder sb = new StringBuilder();
        sb.append("| arm | tokens | holdout bits/byte | vs forward-kl | teacher bits/byte of its generations"
                + " | vs forward-kl |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (OnPolicyBenchmark.ArmResult a : r.arms()) {
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %,d | %.4f | %s | %.4f | %s |%n",
                    a.arm().label(),
                    a.tokens(),
                    a.holdoutBitsPerByte(),
                    delta(a.holdoutBitsPerByte(), base.holdoutBitsPerByte()),
                    a.generationBitsPerByte(),
                    delta(a.generationBitsPerByte(), base.generationBitsPerByte())));
        }
        sb.append(String.format(
                Locale.ROOT,
                "| teacher (%s) | | %.4f | | %.4f (the holdout's own continuations) | |%n",
                r.teacher(),
                r.teacherHoldoutBitsPerByte(),
                r.referenceBitsPerByte()));
        sb.append(String.format(
                Locale.ROOT,
                "%nGenerations: %d fixed prompts of %d tokens from the holdout, continued at temperature 1 to the "
                        + "context. Sampling for the GKD arm's training %s; wall time %s.%n",
                r.options().prompts(),
                OnPolicyBenchmark.PROMPT_TOKENS,
                Durations.clock(r.sampling()),
                Durations.clock(r.wallTime())));
        sb.append(String.format(Locale.ROOT, "%nPrompt: `%s`%n%n", oneLine(r.prompt())));
        for (OnPolicyBenchmark.ArmResult a : r.arms()) {
            sb.append(String.format(Locale.ROOT, "- %s: `%s`%n", a.arm().label(), oneLine(a.sample())));
        }
        return sb.toString();
    }

    private static String delta(double value, double base) {
        return String.format(Locale.ROOT, "%+.1f%%", 100 * (value / base - 1));
    }

    private static String oneLine(String text) {
        return text.replace("\\", "\\\\").replace("\n", "\\n").replace("`", "'").replace("\r", "\\r");
    }
}
