package io.distill.bench;

import io.distill.bench.TimeToQualityBenchmark.ArmResult;
import io.distill.bench.TimeToQualityBenchmark.Evaluation;
import io.distill.bench.TimeToQualityBenchmark.Reached;
import io.distill.lm.Durations;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The time-to-quality result as Markdown: each arm's time to the target against (a)'s, the KD arm with its teacher
 * labelling shared by 1, 4 and 16 students, then the holdout curves.
 */
public final class TimeToQualityTable {
    /** How many students share one teacher stream in the amortised rows. */
    static final List<Integer> SHARING = List.of(1, 4, 16);

    private TimeToQualityTable() {}

    public static String markdown(TimeToQualityBenchmark.Result r) {
        StringBuilder sb = new StringBuilder();
        double target = r.target();
        Reached a = r.baseline().reached(target).orElseThrow(); // (a) reaches its own final value by definition
        sb.append(String.format(
                Locale.ROOT,
                "Target: %.4f bits/byte on the holdout (%,d tokens), what (a) reached at the end of its budget; "
                        + "teacher %s at %.4f.%n%n",
                target,
                r.holdoutTokens(),
                r.teacher(),
                r.teacherBitsPerByte()));
        sb.append("| arm | steps run | last holdout bits/byte | tokens to target | training time to target | "
                + "vs (a) | CPU time to target | vs (a), CPU |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (ArmResult arm : r.arms()) {
            Optional<Reached> reached = arm.reached(target);
            Evaluation last = arm.last();
            String head = String.format(
                    Locale.ROOT, "| %s | %,d | %.4f |", arm.arm().label(), last.step(), last.bitsPerByte());
            if (reached.isEmpty()) {
                sb.append(head)
                        .append(String.format(
                                Locale.ROOT,
                                " not reached in %s of training (%s) | | | | |%n",
                                clock(last.train().wallSeconds()),
                                arm.capped() ? "the cap, " + r.options().cap() + " x (a)'s" : "its run"));
                continue;
            }
            Reached x = reached.get();
            sb.append(head)
                    .append(String.format(
                            Locale.ROOT,
                            " %,.0f | %s | **%.2f** | %s | %.2f |%n",
                            x.tokens(),
                            clock(x.trainWallSeconds()),
                            x.trainWallSeconds() / a.trainWallSeconds(),
                            clock(x.trainCpuSeconds()),
                            x.trainCpuSeconds() / a.trainCpuSeconds()));
        }
        ArmResult kd = r.arms().get(2);
        sb.append(String.format(
                Locale.ROOT,
                "%nTeacher labelling for %s: %,d tokens labelled, teacher forward %s (CPU %s), encoding %s (CPU %s); "
                        + "%.2f ms per 1,000 tokens.%n",
                kd.arm().label(),
                r.labelledTokens(),
                clock(r.teacherForward().wallSeconds()),
                clock(r.teacherForward().cpuSeconds()),
                clock(r.encoding().wallSeconds()),
                clock(r.encoding().cpuSeconds()),
                1e6 * r.teacherForward().plus(r.encoding()).wallSeconds() / Math.max(1, r.labelledTokens())));
        kd.reached(target).ifPresent(c -> amortised(sb, a, c));
        sb.append(String.format(
                Locale.ROOT,
                "%nEvaluation is off the training clock; wall time of the whole run %s.%n",
                Durations.clock(r.wallTime())));
        curves(sb, r.arms());
        return sb.toString();
    }

    /** (c)'s time with its labelling shared by n students, against (a). */
    private static void amortised(StringBuilder sb, Reached a, Reached c) {
        sb.append("\n| students sharing the teacher stream | (c) training + labelling / n, to target | vs (a) | "
                + "CPU time | vs (a), CPU |\n");
        sb.append("|---|---|---|---|---|\n");
        for (int n : SHARING) {
            double wall = c.trainWallSeconds() + c.labellingWallSeconds() / n;
            double cpu = c.trainCpuSeconds() + c.labellingCpuSeconds() / n;
            sb.append(String.format(
                    Locale.ROOT,
                    "| %d | %s | **%.2f** | %s | %.2f |%n",
                    n,
                    clock(wall),
                    wall / a.trainWallSeconds(),
                    clock(cpu),
                    cpu / a.trainCpuSeconds()));
        }
    }

    private static void curves(StringBuilder sb, List<ArmResult> arms) {
        sb.append("\nHoldout bits/byte at each evaluation (training time, wall):\n\n| step | tokens |");
        arms.forEach(a -> sb.append(' ').append(a.arm().label()).append(" |"));
        sb.append("\n|---|---|");
        arms.forEach(a -> sb.append("---|"));
        sb.append('\n');
        int rows = arms.stream().mapToInt(a -> a.curve().size()).max().orElse(0);
        for (int i = 0; i < rows; i++) {
            Evaluation first = null;
            StringBuilder cells = new StringBuilder();
            for (ArmResult arm : arms) {
                if (i >= arm.curve().size()) {
                    cells.append(" |");
                    continue;
                }
                Evaluation e = arm.curve().get(i);
                first = first == null ? e : first;
                cells.append(String.format(
                        Locale.ROOT,
                        " %.4f (%s) |",
                        e.bitsPerByte(),
                        clock(e.train().wallSeconds())));
            }
            sb.append(String.format(Locale.ROOT, "| %,d | %,d |", first.step(), first.tokens()))
                    .append(cells)
                    .append('\n');
        }
    }

    /** m:ss.s: the times to the target are interpolated, so tenths of a second are worth showing. */
    private static String clock(double seconds) {
        double tenths = Math.round(seconds * 10) / 10.0;
        return String.format(Locale.ROOT, "%d:%04.1f", (long) (tenths / 60), tenths % 60);
    }
}
