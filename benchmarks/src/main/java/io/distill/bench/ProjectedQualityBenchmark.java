package io.distill.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.distill.lm.Durations;
import io.distill.lm.bytes.DroppedCoverGuess;
import io.distill.lm.codec.Codec;
import io.distill.lm.eval.BitsPerByte;
import io.distill.lm.tokenize.Tokenizer;
import io.distill.lm.train.TextCorpus;
import io.distill.lm.train.TrainStep;
import io.distill.teacher.ProjectedLabelPath;
import io.distill.teacher.TeacherModel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * {@code bench quality --project bytes}: a byte-level student distilled from a token-level (BPE) teacher through the
 * byte projection, against hard labels at equal bytes (docs/byte-bridge.md).
 *
 * <p>First the labels: random windows of the teacher's context from the corpus's training part (in the teacher's
 * tokens, seeded), each through the teacher's forward pass and the teacher service's own {@code --project bytes}
 * labelling ({@link ProjectedLabelPath}: projection, codec, Avro), once per codec, kept in memory as the record bytes
 * that would go over Kafka. Then {@link QualityBenchmark}'s arms train in lock step on those records, {@code batch}
 * records a step, read back by the trainer's read path and cut to the student's context: the codec arms on their
 * labels, the hard-label arm on the same bytes in the same rows without them. So every arm trains on the same bytes
 * in the same order, and a codec arm's wire bytes per byte are those of real records.
 */
public final class ProjectedQualityBenchmark {
    /** Windows per teacher forward pass while labelling: the logits of a 50k vocabulary are ~25 MB a window. */
    static final int LABEL_BATCH = 4;

    private static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;

    /**
     * @param quality the arms at the end and the curve; its teacher bits/byte are the teacher's own token-level ones
     *     on the whole holdout, its teacher forward time the labelling's (forward passes, projection, codecs)
     * @param teacherOnHoldout the teacher on the holdout cut into segments that fit its context: through the
     *     projection and its own token-level loss on the same bytes
     * @param refusedWindows windows the teacher service would have dead-lettered, drawn again
     */
    public record Result(
            QualityBenchmark.Result quality,
            ChainRuleBenchmark.Result teacherOnHoldout,
            int records,
            int refusedWindows) {}

    private ProjectedQualityBenchmark() {}

    /**
     * The steps of {@code batch} teacher windows it takes to train on at least {@code bytes} bytes, from the
     * average bytes per token of the training part.
     */
    public static long stepsFor(long bytes, int batch, TeacherModel teacher, TextCorpus teacherText) {
        double bytesPerToken =
                (double) teacher.tokenizer().decode(teacherText.trainPart()).length / teacherText.trainTokens();
        double perStep = batch * teacher.context() * bytesPerToken;
        return Math.max(1, (long) Math.ceil(bytes / perStep));
    }

    /**
     * @param teacherText the corpus in the teacher's tokens
     * @param byteText the same corpus in bytes, with the same split: the student's holdout
     * @param o {@code steps} of {@code batch} teacher windows; the arms are the hard-label arm and codec arms
     * @param progress one line at most every 5 s while labelling
     */
    public static Result run(
            TeacherModel teacher,
            TextCorpus teacherText,
            TextCorpus byteText,
            QualityBenchmark.Options o,
            QualityBenchmark.Listener listener,
            Consumer<String> progress) {
        if (o.arms().stream().anyMatch(a -> a.kind() == QualityArm.Kind.DENSE)) {
            throw new IllegalArgumentException("--project bytes has no dense arm: the projection's labels are records");
        }
        List<Codec> codecs =
                o.arms().stream().flatMap(a -> a.codec().stream()).distinct().toList();
        if (codecs.isEmpty()) {
            throw new IllegalArgumentException("--project bytes needs a codec arm to distill through");
        }
        Map<Codec, ProjectedLabelPath> paths = new LinkedHashMap<>();
        codecs.forEach(c -> paths.put(c, new ProjectedLabelPath(teacher, c, o.temperature())));
        long t0 = System.nanoTime();
        Labelled labelled = label(teacher, teacherText, paths, o, progress);
        Duration labelling = Duration.ofNanos(System.nanoTime() - t0);

        int[] holdout = byteText.holdout();
        double teacherBits;
        ChainRuleBenchmark.Result onHoldout;
        try (NDManager manager = NDManager.newBaseManager()) {
            Tokenizer tokenizer = teacher.tokenizer();
            int[] teacherHoldout = teacherText.holdout();
            teacherBits =
                    BitsPerByte.of(teacher.model(), tokenizer, manager, teacherHoldout, QualityBenchmark.EVAL_BATCH);
            String text = new String(tokenizer.decode(teacherHoldout), StandardCharsets.UTF_8);
            var segments = ChainRuleBenchmark.segments(text, tokenizer, teacher.context(), Long.MAX_VALUE);
            onHoldout =
                    ChainRuleBenchmark.run(teacher.model(), tokenizer, segments, manager, DroppedCoverGuess.CANONICAL);
        }
        progress.accept(
                onHoldout.segments() == 0
                        ? String.format(
                                Locale.ROOT,
                                "the teacher on the holdout: %.4f bits/byte token-level; no held-out line fits its"
                                        + " context, so none through the projection",
                                teacherBits)
                        : String.format(
                                Locale.ROOT,
                                "the teacher on the holdout: %.4f bits/byte token-level, %.4f through the projection",
                                teacherBits,
                                onHoldout.projectedBitsPerByte()));

        List<List<byte[]>> perArm = new ArrayList<>();
        for (QualityArm arm : o.arms()) {
            perArm.add(labelled.records().get(arm.codec().orElse(codecs.get(0))));
        }
        QualityBenchmark.Feed feed = (step, students, scope) -> {
            int from = (int) ((step - 1) * o.batch());
            List<TrainStep.Result> results = new ArrayList<>(students.size());
            for (int i = 0; i < students.size(); i++) {
                results.add(students.get(i).step(perArm.get(i).subList(from, from + o.batch())));
            }
            return results;
        };
        var trained = QualityBenchmark.train(feed, teacher.identity(), holdout, o, listener);
        var quality = new QualityBenchmark.Result(
                o,
                teacher.modelId() + " v" + teacher.modelVersion() + ", token-level",
                teacherBits,
                byteText.unigramEntropyBits(),
                holdout.length,
                trained.arms(),
                trained.curve(),
                labelling,
                trained.wallTime());
        return new Result(quality, onHoldout, o.batch() * (int) o.steps(), labelled.refused());
    }

    /** Every codec's records, {@code steps * batch} each, of the same windows in the same order. */
    private record Labelled(Map<Codec, List<byte[]>> records, int refused) {}

    private static Labelled label(
            TeacherModel teacher,
            TextCorpus teacherText,
            Map<Codec, ProjectedLabelPath> paths,
            QualityBenchmark.Options o,
            Consumer<String> progress) {
        long needed = o.steps() * o.batch();
        if (needed > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many windows to label: " + needed);
        }
        Map<Codec, List<byte[]>> records = new LinkedHashMap<>();
        paths.keySet().forEach(c -> records.put(c, new ArrayList<>()));
        SplittableRandom random = new SplittableRandom(o.seed());
        Codec first = paths.keySet().iterator().next();
        int refused = 0;
        long start = System.nanoTime();
        long lastPrint = start;
        try (NDManager manager = NDManager.newBaseManager()) {
            while (records.get(first).size() < needed) {
                int[][] windows = teacherText.trainWindows(random, LABEL_BATCH, teacher.context());
                try (NDManager scope = manager.newSubManager()) {
                    NDArray logits = teacher.logits(scope, Arrays.asList(windows)); // (B, L, V)
                    for (var path : paths.entrySet()) {
                        var labels = path.getValue().label(logits, Arrays.asList(windows), "bench");
                        records.get(path.getKey()).addAll(labels.records());
                        refused +=
                                path.getKey().equals(first) ? labels.refused().size() : 0;
                    }
                }
                if (refused > needed) { // a teacher that cannot label this text would draw for ever
                    throw new IllegalArgumentException(
                            "the teacher service would dead-letter " + refused + " of these windows; too many to run");
                }
                long now = System.nanoTime();
                if (now - lastPrint >= PROGRESS_EVERY_NANOS) {
                    lastPrint = now;
                    int done = Math.min(records.get(first).size(), (int) needed);
                    progress.accept(String.format(
                            Locale.ROOT,
                            "labelled %,d/%,d windows (%s), ETA %s",
                            done,
                            needed,
                            String.join(
                                    ", ",
                                    paths.keySet().stream().map(Codec::toString).toList()),
                            Durations.clock(Duration.ofNanos((now - start) / Math.max(1, done) * (needed - done)))));
                }
            }
        }
        progress.accept(String.format( // also when labelling ended before the first progress line
                Locale.ROOT,
                "labelled %,d windows in %s",
                needed,
                Durations.clock(Duration.ofNanos(System.nanoTime() - start))));
        for (var entry : records.entrySet()) {
            entry.setValue(List.copyOf(entry.getValue().subList(0, (int) needed)));
        }
        return new Labelled(records, refused);
    }
}
