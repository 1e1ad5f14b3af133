package io.distill.cli;

import ai.djl.ndarray.NDManager;
import io.distill.bench.ProjectedQualityBenchmark;
import io.distill.bench.ProjectedQualityTable;
import io.distill.bench.QualityArm;
import io.distill.bench.QualityBenchmark;
import io.distill.bench.QualityProgress;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.model.PrecisionChoice;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.train.TextCorpus;
import io.distill.teacher.TeacherModel;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** {@code bench quality --project bytes}, apart from {@link BenchQualityCommand} so that each stays short. */
final class BenchQualityBytes {
    private BenchQualityBytes() {}

    /** Labels from the teacher's byte projection, then the arms on them. */
    static int run(BenchQualityCommand c, LmConfig student, PrecisionChoice choice) {
        if (!"bytes".equals(c.project) || c.setup.teacherDir == null || c.onPolicy) {
            throw new CliException(
                    CliException.BAD_INPUT, "--project takes 'bytes', with --teacher DIR and without --on-policy");
        }
        if (!c.spec.commandLine().getParseResult().hasMatchedOption("--codecs")) {
            c.codecs = List.of("topk:32");
        }
        List<QualityArm> arms = c.arms(false);
        byte[] text = ModelFiles.readCorpus(c.setup.corpus);
        PrintWriter err = c.spec.commandLine().getErr();
        try (NDManager manager = NDManager.newBaseManager()) {
            // fp32: the projection divides small probabilities
            TeacherModel teacher = ModelFiles.loadTeacher(c.setup.teacherDir, Precision.FP32, manager);
            if (teacher.tokenizer() instanceof ByteTokenizer) {
                throw new CliException(
                        CliException.BAD_INPUT, c.setup.teacherDir + " reads bytes already: nothing to project");
            }
            ProjectedQualityBenchmark.Result result;
            try {
                TextCorpus teacherText = TextCorpus.of(text, 0.05, teacher.tokenizer());
                TextCorpus byteText = TextCorpus.of(text, 0.05);
                long steps = ProjectedQualityBenchmark.stepsFor(c.tokens, c.optimizer.batch, teacher, teacherText);
                QualityBenchmark.Options options = c.options(student, choice, arms, steps);
                err.printf(
                        Locale.ROOT,
                        "quality --project bytes: %s into %s, arms %s, %,d steps of %d windows of %d tokens%n",
                        teacher.modelId(),
                        c.setup.size,
                        arms,
                        options.steps(),
                        options.batch(),
                        teacher.context());
                result = ProjectedQualityBenchmark.run(
                        teacher, teacherText, byteText, options, new QualityProgress(err, options), line -> {
                            err.println("quality --project bytes: " + line);
                            err.flush();
                        });
                PrintWriter out = c.spec.commandLine().getOut();
                c.printSetup(out, options);
                out.print(ProjectedQualityTable.markdown(result));
                out.flush();
            } catch (IllegalArgumentException e) {
                throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
            }
        }
        return 0;
    }
}
