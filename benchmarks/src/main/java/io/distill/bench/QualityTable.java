package io.distill.bench;

import io.distill.lm.Durations;
import io.distill.lm.tokenize.ByteTokenizer;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The quality benchmark's result as Markdown: the arms at the end, then the holdout curve during training. */
public final class QualityTable {

    private QualityTable() {}

    public static String markdown(QualityBenchmark.Result r) {
        StringBuilder sb = new StringBuilder();
        QualityBenchmark.Options o = r.options();
        Optional<QualityBenchmark.ArmResult> hard = r.arm(QualityArm.HARD);
        Optional<QualityBenchmark.ArmResult> dense = r.arm(QualityArm.DENSE);
        sb.append("| arm | tokens | holdout bits/byte | vs hard | vs dense | wire bytes/token | training time |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        for (QualityBenchmark.ArmResult a : r.arms()) {
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %,d | %.4f | %s | %s | %s | %s |%n",
                    label(a.arm(), o),
                    a.tokens(),
                    a.bitsPerByte(),
                    delta(a, hard),
                    delta(a, dense),
                    wire(a),
                    Durations.clock(a.trainTime())));
        }
        sb.append(
                String.format(Locale.ROOT, "| teacher (%s) | | %.4f | | | | |%n", r.teacher(), r.teacherBitsPerByte()));
        sb.append(String.format(Locale.ROOT, "| unigram byte entropy | | %.4f | | | | |%n", r.unigramBitsPerByte()));
        sb.append(String.format(
                Locale.ROOT,
                "%nHoldout: %,d tokens. Teacher forward passes %s (shared by the KD arms); encoding (codec, Avro) %s; "
                        + "wall time %s.%n",
                r.holdoutTokens(),
                Durations.clock(r.teacherForward()),
                encodeTimes(r.arms()),
                Durations.clock(r.wallTime())));
        sb.append("\nHoldout bits/byte during training:\n\n| step | tokens |");
        r.arms().forEach(a -> sb.append(' ').append(a.arm().name()).append(" |"));
        sb.append("\n|---|---|");
        r.arms().forEach(a -> sb.append("---|"));
        sb.append('\n');
        for (QualityBenchmark.Evaluation e : r.curve()) {
            sb.append(String.format(Locale.ROOT, "| %,d | %,d |", e.step(), e.tokens()));
            e.bitsPerByte().forEach(b -> sb.append(String.format(Locale.ROOT, " %.4f |", b)));
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String label(QualityArm arm, QualityBenchmark.Options o) {
        return switch (arm.kind()) {
            case HARD -> "hard labels only (alpha 0)";
            case DENSE ->
                String.format(Locale.ROOT, "dense logits (alpha %s, T %s)", arm.alphaOr(o.alpha()), o.temperature());
            case CODEC ->
                String.format(
                        Locale.ROOT,
                        "%s (alpha %s, T %s)",
                        arm.codec().orElseThrow(),
                        arm.alphaOr(o.alpha()),
                        o.temperature());
        };
    }

    /** The arm's bits/byte against the reference's: absolute and relative; empty for the reference itself. */
    private static String delta(QualityBenchmark.ArmResult a, Optional<QualityBenchmark.ArmResult> reference) {
        if (reference.isEmpty() || reference.get().arm().equals(a.arm())) {
            return "";
        }
        double ref = reference.get().bitsPerByte();
        return String.format(
                Locale.ROOT, "%+.4f (%+.1f%%)", a.bitsPerByte() - ref, 100 * (a.bitsPerByte() - ref) / ref);
    }

    private static String wire(QualityBenchmark.ArmResult a) {
        return switch (a.arm().kind()) {
            case HARD -> "";
            case DENSE -> String.format(Locale.ROOT, "%,d (fp32 logits)", 4 * ByteTokenizer.VOCAB_SIZE);
            case CODEC -> String.format(Locale.ROOT, "%.1f", a.wireBytesPerToken());
        };
    }

    private static String encodeTimes(List<QualityBenchmark.ArmResult> arms) {
        List<String> parts = arms.stream()
                .filter(a -> a.arm().kind() == QualityArm.Kind.CODEC)
                .map(a -> a.arm().name() + " " + Durations.clock(a.encodeTime()))
                .toList();
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }
}
