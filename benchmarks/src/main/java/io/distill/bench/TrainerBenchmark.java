package io.distill.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.codec.Codec;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.train.AdamW;
import io.distill.lm.train.Batch;
import io.distill.lm.train.LearningRateSchedule;
import io.distill.lm.train.TrainStep;
import io.distill.schemas.AvroSerde;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TopicSetup;
import io.distill.teacher.SoftLabelEncoder;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TextLabeler;
import io.distill.trainer.StudentTrainer;
import io.distill.trainer.TrainerConfig;
import io.distill.trainer.TrainerMetrics;
import io.distill.trainer.TrainerReadPath;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Pipeline overhead of the trainer: its tokens/s (Kafka consumer, record checks, batch assembly, offset
 * bookkeeping, training) against the bare {@link TrainStep} loop on the same batches, in the same process, rounds
 * alternating so that a slower phase of a shared machine hits both. The target is a ratio of at least 0.90.
 *
 * <p>Both start from the same seed and train on the same windows in the same order (a one-partition topic); both
 * time the same steps, after the same warmup steps; tokens are the positions with a real target. The trainer's
 * periodic checkpoints are off for the measurement (the bare loop has none; a checkpoint every 500 steps is a
 * separate, amortised cost), and so is the holdout (every window trains in both).
 *
 * <p>{@code distill bench trainer} runs it, on an embedded broker unless given one.
 */
public final class TrainerBenchmark {

    /**
     * @param steps timed steps per run
     * @param warmupSteps untimed steps first, per run
     * @param rounds runs of each kind, alternating bare and trainer
     */
    public record Options(String size, Precision precision, int batch, int steps, int warmupSteps, int rounds) {
        public Options {
            LmConfig.named(size);
            if (batch < 1 || steps < 1 || warmupSteps < 0 || rounds < 1) {
                throw new IllegalArgumentException("batch, steps and rounds must be >= 1, warmup >= 0");
            }
        }
    }

    /** Tokens/s of every run, in order. */
    public record Result(Options options, List<Double> bare, List<Double> trainer) {
        public double bareMean() {
            return bare.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        }

        public double trainerMean() {
            return trainer.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        }

        public double ratio() {
            return trainerMean() / bareMean();
        }

        public String summary() {
            return String.format(
                    Locale.ROOT,
                    "%s %s batch %d x %d: trainer %,.0f tokens/s, bare TrainStep loop %,.0f tokens/s, ratio %.3f "
                            + "(runs: trainer %s, bare %s)",
                    options.size(),
                    options.precision().flag(),
                    options.batch(),
                    LmConfig.named(options.size()).context(),
                    trainerMean(),
                    bareMean(),
                    ratio(),
                    format(trainer),
                    format(bare));
        }

        private static String format(List<Double> runs) {
            return runs.stream()
                    .map(v -> String.format(Locale.ROOT, "%,.0f", v))
                    .toList()
                    .toString();
        }
    }

    private TrainerBenchmark() {}

    public static Result run(String bootstrap, Options o, Path workDir, PrintStream log) throws Exception {
        LmConfig config = LmConfig.named(o.size());
        int windows = (o.warmupSteps() + o.steps()) * o.batch();
        log.printf(
                Locale.ROOT,
                "bench: labelling %d windows of %d tokens with a stand-in teacher%n",
                windows,
                config.context());
        List<SoftLabels> labels = label(windows, config.context());
        String topic = "bench.soft-labels." + System.nanoTime();
        produce(bootstrap, topic, labels);
        TrainerReadPath.Windows decoded = decode(labels, topic);
        List<Double> bare = new ArrayList<>();
        List<Double> trainer = new ArrayList<>();
        for (int round = 0; round < o.rounds(); round++) {
            bare.add(bare(config, o, decoded));
            log.printf(Locale.ROOT, "bench: round %d bare     %,.0f tokens/s%n", round + 1, bare.get(round));
            trainer.add(trainer(bootstrap, topic, config, o, workDir.resolve("round-" + round), windows));
            log.printf(Locale.ROOT, "bench: round %d trainer  %,.0f tokens/s%n", round + 1, trainer.get(round));
        }
        return new Result(o, bare, trainer);
    }

    /** The bare loop: assemble the same batches and step, timing the steps after warmup. */
    private static double bare(LmConfig config, Options o, TrainerReadPath.Windows windows) throws Exception {
        AtomicReference<Double> result = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try (NDManager manager = NDManager.newBaseManager()) {
                Engine.getInstance().setRandomSeed(1);
                Gpt model = Gpt.create(config, o.precision(), manager);
                var schedule = new LearningRateSchedule(1e-3f, 100, LearningRateSchedule.Decay.CONSTANT);
                var options = new TrainStep.Options(schedule, AdamW.Hyperparameters.defaults(), 1f, 0.9f);
                try (TrainStep step = new TrainStep(model, manager, options)) {
                    long start = 0;
                    long tokens = 0;
                    for (int s = 0; s < o.warmupSteps() + o.steps(); s++) {
                        if (s == o.warmupSteps()) {
                            start = System.nanoTime();
                        }
                        TrainerReadPath.Pieces pieces = windows.subList(s * o.batch(), (s + 1) * o.batch())
                                .pieces(config.context());
                        try (Batch batch = pieces.assemble(manager)) {
                            step.step(batch);
                        }
                        if (s >= o.warmupSteps()) {
                            tokens += pieces.realPositions();
                        }
                    }
                    result.set(tokens / ((System.nanoTime() - start) / 1e9));
                }
            }
        });
        t.start();
        t.join();
        if (result.get() == null) {
            throw new IllegalStateException("the bare loop failed");
        }
        return result.get();
    }

    /** The trainer on the topic, timing from the end of its warmup steps to its last window. */
    private static double trainer(String bootstrap, String topic, LmConfig config, Options o, Path dir, int windows)
            throws Exception {
        Files.createDirectories(dir);
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", bootstrap);
        String student = "bench-" + System.nanoTime();
        TrainerConfig c = TrainerConfig.builder(student, config, kafka, dir)
                .precision(o.precision())
                .topics(topic, topic + ".checkpoints", topic + ".dead-letters")
                .batch(o.batch(), Duration.ofSeconds(5))
                .learningRate(1e-3f, 100)
                .checkpointEvery(0, Duration.ZERO, 1)
                .holdout(0, 1)
                .progressEvery(Duration.ofSeconds(10))
                .build();
        StudentTrainer trainer = new StudentTrainer(c);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                trainer.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        TrainerMetrics m = trainer.metrics();
        long start = 0;
        long startTokens = 0;
        while (m.windowsTrained() < windows) {
            if (failure.get() != null) {
                throw new IllegalStateException("the trainer failed", failure.get());
            }
            if (start == 0 && m.step() >= o.warmupSteps()) {
                start = System.nanoTime();
                startTokens = m.tokens();
            }
            Thread.sleep(1);
        }
        double tokensPerSecond = (m.tokens() - startTokens) / ((System.nanoTime() - start) / 1e9);
        trainer.stop();
        t.join();
        return tokensPerSecond;
    }

    /**
     * Random printable windows labelled topk:32 at T = 2 by a stand-in teacher: a freshly initialised model of the
     * {@code tiny} shape with the student's context, through the teacher service's own labelling code.
     */
    private static List<SoftLabels> label(int windows, int length) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(7);
            LmConfig tiny = LmConfig.named("tiny");
            LmConfig shape =
                    LmConfig.gpt(tiny.layers(), tiny.heads(), tiny.dModel(), length, tiny.vocab(), tiny.dropout());
            TeacherModel teacher = new TeacherModel(Gpt.create(shape, manager), "bench", "1");
            SplittableRandom random = new SplittableRandom(3);
            List<SoftLabelEncoder.Window> toLabel = new ArrayList<>();
            for (int i = 0; i < windows; i++) {
                int[] window = new int[length + 1];
                for (int j = 0; j < window.length; j++) {
                    window[j] = 32 + random.nextInt(95);
                }
                toLabel.add(new SoftLabelEncoder.Window("bench-" + i, 0, window));
            }
            return new TextLabeler(teacher, Codec.DEFAULT, 2f).label(toLabel);
        }
    }

    private static void produce(String bootstrap, String topic, List<SoftLabels> labels) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(props)) {
            TopicSetup.ensure(admin, List.of(new TopicSetup.Spec(topic, 1, false)), 30_000);
        }
        AvroSerde<SoftLabels> serde = DistillSerdes.softLabels();
        props.put("acks", "all");
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (SoftLabels s : labels) {
                producer.send(new ProducerRecord<>(topic, serde.encode(s)));
            }
        }
    }

    private static TrainerReadPath.Windows decode(List<SoftLabels> labels, String topic) {
        AvroSerde<SoftLabels> serde = DistillSerdes.softLabels();
        return new TrainerReadPath(topic)
                .read(labels.stream().map(serde::encode).toList());
    }
}
