package io.distill.bench;

import java.util.List;
import java.util.Locale;

/**
 * {@code bench quality --project bytes} as Markdown: {@link QualityTable}'s arms and curve, then the teacher on the
 * holdout through the projection, and every KD arm's bits/byte over the hard-label arm's at each evaluation.
 */
public final class ProjectedQualityTable {
    private ProjectedQualityTable() {}

    public static String markdown(ProjectedQualityBenchmark.Result r) {
        StringBuilder sb = new StringBuilder(QualityTable.markdown(r.quality()));
        ChainRuleBenchmark.Result t = r.teacherOnHoldout();
        sb.append(String.format(
                Locale.ROOT,
                "%nLabels: %,d records (windows refused and drawn again: %,d); the teacher forward time above is the "
                        + "labelling's: forward passes, projection, codec and Avro. The teacher on the holdout cut into %d "
                        + "segments that fit its context (%,d bytes): %.4f bits/byte through the projection, %.4f "
                        + "token-level (%+.2f%%).%n",
                r.records(),
                r.refusedWindows(),
                t.segments(),
                t.bytes(),
                t.projectedBitsPerByte(),
                t.ownBitsPerByte(),
                100 * t.gap()));
        List<QualityBenchmark.ArmResult> arms = r.quality().arms();
        int hard = r.quality().options().arms().indexOf(QualityArm.HARD);
        if (hard < 0) {
            return sb.toString();
        }
        sb.append("\nKD arm / hard-label arm, holdout bits/byte:\n\n| bytes per arm |");
        arms.stream()
                .filter(a -> a.arm().needsTeacher())
                .forEach(a -> sb.append(' ').append(a.arm().name()).append(" / hard |"));
        sb.append("\n|---|");
        arms.stream().filter(a -> a.arm().needsTeacher()).forEach(a -> sb.append("---|"));
        sb.append('\n');
        for (QualityBenchmark.Evaluation e : r.quality().curve()) {
            sb.append(String.format(Locale.ROOT, "| %,d |", e.tokens()));
            for (int i = 0; i < arms.size(); i++) {
                if (arms.get(i).arm().needsTeacher()) {
                    sb.append(String.format(
                            Locale.ROOT,
                            " %.4f |",
                            e.bitsPerByte().get(i) / e.bitsPerByte().get(hard)));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
