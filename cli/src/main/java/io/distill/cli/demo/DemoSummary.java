package io.distill.cli.demo;

import ai.djl.ndarray.NDManager;
import io.distill.lm.artifact.ModelBundle;
import io.distill.lm.artifact.WeightFormat;
import io.distill.lm.eval.BitsPerByte;
import io.distill.lm.eval.ModelComparison;
import io.distill.lm.model.Gpt;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** The demo's closing table: teacher and student side by side on the same held-out text. */
final class DemoSummary {
    private DemoSummary() {}

    static List<DemoReport.Row> compare(Gpt teacher, Gpt student, int[] holdout, Path scratch, NDManager manager)
            throws IOException {
        List<DemoReport.Row> rows = new ArrayList<>();
        rows.add(row(
                "parameters",
                "%,d",
                teacher.config().parameterCount(),
                student.config().parameterCount()));
        for (WeightFormat format : WeightFormat.values()) {
            rows.add(row(
                    "size on disk, " + format.id() + " (MB)",
                    "%.2f",
                    sizeMb(teacher, scratch.resolve("teacher-" + format.id()), format),
                    sizeMb(student, scratch.resolve("student-" + format.id()), format)));
        }
        rows.add(row(
                "inference tokens/s (batch 8)",
                "%,.0f",
                ModelComparison.inferenceTokensPerSecond(teacher, 8, 3, manager),
                ModelComparison.inferenceTokensPerSecond(student, 8, 3, manager)));
        rows.add(row(
                "holdout bits/byte",
                "%.3f",
                BitsPerByte.of(teacher, manager, holdout, 8),
                BitsPerByte.of(student, manager, holdout, 8)));
        rows.add(row(
                "top-1 agreement with the teacher",
                "%.1f%%",
                100.0,
                100 * ModelComparison.top1Agreement(teacher, student, holdout, manager)));
        return rows;
    }

    static void print(List<DemoReport.Row> rows, PrintWriter out) {
        int width = rows.stream().mapToInt(r -> r.metric().length()).max().orElse(10);
        String format = "%-" + width + "s  %16s  %16s%n";
        out.printf(Locale.ROOT, format, "", "teacher", "student");
        for (DemoReport.Row r : rows) {
            out.printf(Locale.ROOT, format, r.metric(), r.teacher(), r.student());
        }
        out.flush();
    }

    private static double sizeMb(Gpt model, Path dir, WeightFormat format) throws IOException {
        ModelBundle.export(model, dir, format);
        try (Stream<Path> files = Files.walk(dir)) {
            long bytes = files.filter(Files::isRegularFile)
                    .mapToLong(f -> f.toFile().length())
                    .sum();
            return bytes / 1e6;
        }
    }

    private static DemoReport.Row row(String metric, String format, Number teacher, Number student) {
        return new DemoReport.Row(
                metric, String.format(Locale.ROOT, format, teacher), String.format(Locale.ROOT, format, student));
    }
}
