package io.distill.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.model.Gpt;
import io.distill.lm.train.AdamW;
import io.distill.lm.train.LearningRateSchedule;
import io.distill.lm.train.TrainStep;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains one student continuously from the soft-label stream: opens the model, the Kafka clients and the HTTP
 * server, resumes from the latest checkpoint, runs the {@link TrainingLoop} and saves a checkpoint on the way out.
 *
 * <p>Exactly-once training across crashes: a checkpoint holds the weights, the optimizer and, for each input
 * partition, the offset before which every record is trained on or deliberately skipped ({@link OffsetTracker}).
 * On start the latest checkpoint that verifies is loaded and every partition is read again from its saved offset;
 * records trained after that checkpoint are trained again, but the weights that saw them were lost with the crash,
 * so the surviving model has seen each record once ({@link Checkpointer}, {@link RebalanceListener}).
 *
 * <p>Dead letters are delivered at least once ({@link DeadLetters}).
 *
 * <p>One thread runs {@link #run}; {@link #stop} may be called from any thread (a shutdown hook).
 */
public final class StudentTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(StudentTrainer.class);

    private final TrainerConfig config;
    private final TrainerMetrics metrics;
    private volatile boolean stopRequested;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile int httpPort = -1;

    public StudentTrainer(TrainerConfig config) {
        this.config = config;
        this.metrics = new TrainerMetrics(config.student());
    }

    public TrainerMetrics metrics() {
        return metrics;
    }

    /** The HTTP server's port once {@link #run} has started it. */
    public OptionalInt httpPort() {
        int port = httpPort;
        return port < 0 ? OptionalInt.empty() : OptionalInt.of(port);
    }

    /** Asks {@link #run} to finish the current step, save a checkpoint and return. */
    public void stop() {
        stopRequested = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /**
     * Trains until {@link #stop} is called, then saves a checkpoint and returns.
     *
     * @throws UnusableStreamException when a record's tokenizer is not the student's (and the policy is to fail);
     *     a checkpoint of everything before that record is saved first
     * @throws RetentionGapException when input records were deleted before they were trained on and gaps are not
     *     allowed; nothing is saved
     */
    @SuppressWarnings("try") // the HTTP server is a scope: it serves while the loop runs
    public void run() throws IOException, InterruptedException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed((int) config.seed());
            Gpt model = Gpt.create(config.model(), config.precision(), manager);
            try (TrainStep step = new TrainStep(model, manager, stepOptions());
                    KafkaProducer<byte[], byte[]> producer = TrainerKafka.producer(config);
                    KafkaProducer<byte[], byte[]> publishing = TrainerKafka.publishingProducer(config);
                    KafkaConsumer<byte[], byte[]> c = TrainerKafka.consumer(config);
                    TrainerMetrics.KafkaBinding kafkaMetrics = metrics.bind(producer, c);
                    TrainedLog trainedLog = config.trainedLog().isPresent()
                            ? new TrainedLog(config.trainedLog().get())
                            : null) {
                TrainerKafka.ensureTopics(config);
                OffsetTracker offsets = new OffsetTracker();
                StudentSampler sampler = config.onPolicy().isPresent()
                        ? new StudentSampler(config, model, manager, producer, metrics)
                        : null;
                DeadLetters deadLetters = new DeadLetters(config.deadLetterTopic(), producer, metrics);
                BatchTrainer batches = new BatchTrainer(
                        config, step, manager, offsets, metrics, trainedLog, deadLetters::untrainable, sampler);
                HoldoutSet holdoutSet = new HoldoutSet(config.holdoutWindows());
                Publisher publisher = new Publisher(config, publishing);
                GatedPublisher gated = new GatedPublisher(config, publisher, model, manager, holdoutSet, metrics);
                Checkpointer checkpointer =
                        new Checkpointer(config, model, step, batches, offsets, deadLetters, c, gated, metrics);
                checkpointer.restoreLatest();
                RetentionGaps gaps = new RetentionGaps(c, config.allowGaps(), metrics);
                TeacherMixture mixture = config.teachers()
                        .map(t -> new TeacherMixture(
                                t,
                                config.model().vocab(),
                                TeacherMixture.MAX_POSITIONS,
                                TeacherMixture.MAX_WAIT,
                                metrics.mixture()))
                        .orElse(null);
                try (CheckpointServer server = startServer(publisher)) {
                    consumer = c;
                    if (stopRequested) {
                        return;
                    }
                    TrainingLoop loop = new TrainingLoop(
                            config,
                            c,
                            holdoutSet,
                            deadLetters,
                            offsets,
                            batches,
                            checkpointer,
                            new ProgressReporter(config, c, step, batches, metrics),
                            metrics,
                            gaps,
                            sampler,
                            mixture);
                    c.subscribe(
                            List.of(config.softLabelsTopic()),
                            new RebalanceListener(c, offsets, batches, gaps, mixture));
                    metrics.running(true);
                    LOG.info(
                            "student {} ({} parameters, {}, loss {}) training from {} as group {}",
                            config.student(),
                            String.format(Locale.ROOT, "%,d", config.model().parameterCount()),
                            config.precision().flag(),
                            config.loss().spec(),
                            config.softLabelsTopic(),
                            config.groupId());
                    config.teachers()
                            .ifPresent(t -> LOG.info(
                                    "mixing teachers {} per byte position; records of other teachers are ignored", t));
                    config.onPolicy()
                            .ifPresent(p -> LOG.info(
                                    "on-policy: {} of trained tokens from own samples of up to {} tokens at"
                                            + " temperature {}, written to {}, trained while at most {} versions old",
                                    p.lambda(),
                                    p.sampleTokens(),
                                    p.temperature(),
                                    p.textTopic(),
                                    p.maxPolicyLag()));
                    try {
                        loop.run(() -> stopRequested);
                    } catch (UnusableStreamException e) {
                        checkpointer.save("before failing");
                        throw e;
                    } finally {
                        metrics.running(false);
                        consumer = null;
                    }
                    checkpointer.save("at shutdown");
                    LOG.info("student {} stopped at step {}", config.student(), step.steps());
                }
            }
        }
    }

    private TrainStep.Options stepOptions() {
        var schedule =
                new LearningRateSchedule(config.peakLr(), config.warmupSteps(), LearningRateSchedule.Decay.CONSTANT);
        return new TrainStep.Options(schedule, AdamW.Hyperparameters.defaults(), 1f, config.alpha(), config.loss());
    }

    /** The HTTP server, or null with {@code --http-port -1}; checkpoints are announced at its address. */
    private CheckpointServer startServer(Publisher publisher) throws IOException {
        if (config.httpPort() < 0) {
            return null;
        }
        CheckpointServer server;
        try {
            server = new CheckpointServer(config.publishedRoot(), config.httpBind(), config.httpPort(), metrics);
        } catch (java.net.BindException e) {
            throw new IOException(
                    "HTTP port " + config.httpPort()
                            + " is in use; pick another (0 for any free port, -1 for no server)",
                    e);
        }
        httpPort = server.port();
        String base = config.advertisedBase(server.port());
        publisher.serveAt(base);
        LOG.info(
                "serving checkpoints, /healthz, /metrics and /status on port {}, announced as {}/",
                server.port(),
                base);
        return server;
    }
}
