package io.distill.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.AdamW;
import io.distill.lm.Autograd;
import io.distill.lm.Batch;
import io.distill.lm.ByteTokenizer;
import io.distill.lm.Checkpoint;
import io.distill.lm.CheckpointStore;
import io.distill.lm.Gpt;
import io.distill.lm.LearningRateSchedule;
import io.distill.lm.TrainStep;
import io.distill.lm.TrainingState;
import io.distill.schemas.CheckpointPublished;
import io.distill.schemas.DeadLetter;
import io.distill.schemas.TopicSetup;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains one student continuously from the soft-label stream, top to bottom like DJL's {@code EasyTrain.fit}:
 * poll, check each record, fill a batch, step, close the batch; checkpoint and publish every so often.
 *
 * <p>Exactly-once training across crashes: a checkpoint holds the weights, the optimizer and, for each input
 * partition, the offset before which every record is trained on or deliberately skipped ({@link OffsetTracker}).
 * On start the latest checkpoint that verifies is loaded and every partition is read again from its saved offset;
 * records trained after that checkpoint are trained again, but the weights that saw them were lost with the crash,
 * so the surviving model has seen each record once. The same offsets are committed to the consumer group after
 * each checkpoint for lag tools; the checkpoint, not the group, is the source of truth.
 *
 * <p>Dead letters are delivered at least once: they are flushed before a checkpoint claims their offsets, and a
 * crash after the send but before the checkpoint sends them again after the restart.
 *
 * <p>One thread runs {@link #run}; {@link #stop} may be called from any thread (a shutdown hook).
 */
public final class StudentTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(StudentTrainer.class);
    static final String STAGE = "trainer";
    private static final long IDLE_PROGRESS_NANOS = 60_000_000_000L;

    /** DJL's PyTorch engine allows one open GradientCollector per process: trainers in one JVM take turns. */
    private static final Object GRADIENT_TURN = new Object();

    private final TrainerConfig config;
    private final TrainerMetrics metrics;
    private final Holdout holdout;
    private final HoldoutSet holdoutSet;
    private final PublishGate gate;
    private final OffsetTracker tracker = new OffsetTracker();
    private final SoftLabelReader reader;
    private final Map<TopicPartition, Long> resumeAt = new HashMap<>();
    private final AtomicReference<Exception> deadLetterFailure = new AtomicReference<>();
    private final List<TrainingWindow> pending = new ArrayList<>();
    private volatile boolean stopRequested;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile int httpPort = -1;

    private int pendingRows;
    private long pendingSince;
    private long tokensSeen;
    private long lastSavedStep = -1;
    private Map<String, Long> lastSavedOffsets = Map.of();
    private long lastPublishedVersion = -1;
    private long lastCheckpointNanos;

    public StudentTrainer(TrainerConfig config) {
        this.config = config;
        this.metrics = new TrainerMetrics(config.student());
        this.holdout = new Holdout(config.holdoutPercent());
        this.holdoutSet = new HoldoutSet(config.holdoutWindows());
        this.gate = new PublishGate(config.publishMaxRegressionPercent());
        this.reader = new SoftLabelReader(ByteTokenizer.get(), config.model().vocab(), config.tokenizerMismatch());
        if (config.model().vocab() != ByteTokenizer.VOCAB_SIZE) {
            throw new IllegalArgumentException("the student's vocabulary ("
                    + config.model().vocab() + ") must be the byte tokenizer's (" + ByteTokenizer.VOCAB_SIZE + ")");
        }
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
     * @throws TokenizerMismatchException when a record's tokenizer is not the student's (and the policy is to fail);
     *     a checkpoint of everything before that record is saved first
     */
    @SuppressWarnings("try") // the HTTP server is a scope: it serves while the loop runs
    public void run() throws IOException, InterruptedException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed((int) config.seed());
            Gpt model = Gpt.create(config.model(), config.precision(), manager);
            var schedule = new LearningRateSchedule(
                    config.peakLr(), config.warmupSteps(), LearningRateSchedule.Decay.CONSTANT);
            var options = new TrainStep.Options(schedule, AdamW.Hyperparameters.defaults(), 1f, config.alpha());
            try (TrainStep step = new TrainStep(model, manager, options);
                    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                            producerProperties(), new ByteArraySerializer(), new ByteArraySerializer());
                    TrainedLog trainedLog = config.trainedLog().isPresent()
                            ? new TrainedLog(config.trainedLog().get())
                            : null) {
                ensureTopics();
                CheckpointStore store = new CheckpointStore(config.trainingDir(), config.keep());
                restore(store, model, step, trainedLog);
                Publisher publisher = new Publisher(config, producer);
                lastPublishedVersion = publisher.lastVersion();
                try (CheckpointServer server = startServer(publisher);
                        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                                consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                    consumer = c;
                    if (stopRequested) {
                        return;
                    }
                    Loop loop = new Loop(c, model, step, manager, store, publisher, producer, trainedLog);
                    c.subscribe(List.of(config.softLabelsTopic()), loop);
                    metrics.running(true);
                    LOG.info(
                            "student {} ({} parameters, {}) training from {} as group {}",
                            config.student(),
                            String.format(Locale.ROOT, "%,d", config.model().parameterCount()),
                            config.precision().flag(),
                            config.softLabelsTopic(),
                            config.groupId());
                    try {
                        loop.run();
                    } catch (TokenizerMismatchException e) {
                        loop.checkpoint("before failing");
                        throw e;
                    } finally {
                        metrics.running(false);
                        consumer = null;
                    }
                    loop.checkpoint("at shutdown");
                    LOG.info("student {} stopped at step {}", config.student(), step.steps());
                }
            }
        }
    }

    /**
     * Creates the announcement topic (compacted: the latest record per student is the current model) and the
     * dead-letter topic when they are missing; existing topics are left as their owner set them up.
     */
    private void ensureTopics() throws InterruptedException {
        List<TopicSetup.Spec> specs = List.of(
                new TopicSetup.Spec(config.checkpointsTopic(), 1, true),
                new TopicSetup.Spec(config.deadLetterTopic(), 1, false));
        try (Admin admin = Admin.create(config.kafka())) {
            List<String> created = TopicSetup.ensure(admin, specs, 30_000);
            if (!created.isEmpty()) {
                LOG.info("created topics {}", created);
            }
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            LOG.warn(
                    "could not check or create {} and {} ({}); carrying on with whatever exists",
                    config.checkpointsTopic(),
                    config.deadLetterTopic(),
                    e.toString());
        }
    }

    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    private void restore(CheckpointStore store, Gpt model, TrainStep step, TrainedLog trainedLog) throws IOException {
        Optional<Path> latest = store.latest();
        if (latest.isEmpty()) {
            LOG.info(
                    "no checkpoint in {}: starting student {} fresh, reading {} from the beginning",
                    store.root(),
                    config.student(),
                    config.softLabelsTopic());
            return;
        }
        TrainingState state;
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            state = Checkpoint.restore(latest.get(), model, step.optimizer());
        }
        step.resume(state);
        tokensSeen = state.tokensSeen();
        state.offsets().forEach((key, offset) -> OffsetTracker.parse(key, config.softLabelsTopic())
                .ifPresent(tp -> resumeAt.put(tp, offset)));
        lastSavedStep = state.step();
        lastSavedOffsets = state.offsets();
        metrics.restored(state.step(), state.tokensSeen(), step.lossScaler().scale());
        if (trainedLog != null) {
            trainedLog.resumed(state.step());
        }
        LOG.info(
                "resuming student {} from checkpoint {}: step {}, {} tokens seen, offsets {}",
                config.student(),
                latest.get(),
                state.step(),
                state.tokensSeen(),
                state.offsets());
    }

    private CheckpointServer startServer(Publisher publisher) throws IOException {
        if (config.httpPort() < 0) {
            return null;
        }
        CheckpointServer server;
        try {
            server = new CheckpointServer(config.publishedRoot(), config.httpPort(), metrics);
        } catch (java.net.BindException e) {
            throw new IOException(
                    "HTTP port " + config.httpPort()
                            + " is in use; pick another (0 for any free port, -1 for no server)",
                    e);
        }
        httpPort = server.port();
        publisher.serveAt(config.httpHost(), server.port());
        LOG.info(
                "serving checkpoints, /healthz, /metrics and /status at http://{}:{}/",
                config.httpHost(),
                server.port());
        return server;
    }

    /** The consume-train-checkpoint loop and the state only it touches. */
    private final class Loop implements ConsumerRebalanceListener {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Gpt model;
        private final TrainStep step;
        private final NDManager manager;
        private final CheckpointStore store;
        private final Publisher publisher;
        private final KafkaProducer<byte[], byte[]> producer;
        private final TrainedLog trainedLog;
        private final long progressNanos = config.progressEvery().toNanos();
        private long lastProgressNanos = System.nanoTime();
        private long lastProgressTokens;
        private TrainingWindow.BatchKey pendingKey;

        Loop(
                KafkaConsumer<byte[], byte[]> consumer,
                Gpt model,
                TrainStep step,
                NDManager manager,
                CheckpointStore store,
                Publisher publisher,
                KafkaProducer<byte[], byte[]> producer,
                TrainedLog trainedLog) {
            this.consumer = consumer;
            this.model = model;
            this.step = step;
            this.manager = manager;
            this.store = store;
            this.publisher = publisher;
            this.producer = producer;
            this.trainedLog = trainedLog;
            lastProgressTokens = tokensSeen;
            lastCheckpointNanos = System.nanoTime();
        }

        void run() throws IOException, InterruptedException {
            while (!stopRequested) {
                Iterable<ConsumerRecord<byte[], byte[]>> records;
                try {
                    records = consumer.poll(Duration.ofMillis(100));
                } catch (WakeupException e) {
                    continue; // stop() woke us up: the loop condition decides
                }
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    if (stopRequested) {
                        break; // unread records stay uncovered and are read again next time
                    }
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    if (tracker.isAssigned(tp) && handle(record, tp)) {
                        housekeeping();
                    }
                }
                if (pendingRows > 0
                        && System.nanoTime() - pendingSince
                                >= config.batchWait().toNanos()) {
                    trainPending();
                }
                housekeeping();
            }
        }

        /** Checkpoint and progress line when due; after every step and every poll. */
        private void housekeeping() throws IOException, InterruptedException {
            long now = System.nanoTime();
            if (checkpointDue(now)) {
                checkpoint("periodic");
            }
            if (now - lastProgressNanos >= progressNanos) {
                progress(now);
            }
        }

        /** Checks one record and files it; true when a step was taken. */
        private boolean handle(ConsumerRecord<byte[], byte[]> record, TopicPartition tp) throws IOException {
            SoftLabelReader.Outcome outcome = reader.read(record);
            if (outcome instanceof SoftLabelReader.Rejected rejected) {
                deadLetter(record, rejected);
                tracker.skipped(tp, record.offset());
                return false;
            }
            TrainingWindow window = ((SoftLabelReader.Accepted) outcome).window();
            if (holdout.isHeldOut(window.sampleId())) {
                holdoutSet.add(window);
                metrics.heldOut();
                tracker.skipped(tp, record.offset());
                return false;
            }
            boolean stepped = false;
            if (pendingRows > 0 && !window.batchKey().equals(pendingKey)) {
                trainPending(); // another codec or temperature: it cannot share the batch
                stepped = true;
            }
            if (pendingRows == 0) {
                pendingSince = System.nanoTime();
                pendingKey = window.batchKey();
            }
            pending.add(window);
            pendingRows += window.pieces(config.model().context()).size();
            tracker.waiting(tp, record.offset());
            if (pendingRows >= config.batchSize()) {
                trainPending();
                stepped = true;
            }
            return stepped;
        }

        private void deadLetter(ConsumerRecord<byte[], byte[]> record, SoftLabelReader.Rejected rejected) {
            Exception failure = deadLetterFailure.get();
            if (failure != null) {
                throw new KafkaException("cannot deliver to " + config.deadLetterTopic() + ": " + failure, failure);
            }
            LOG.warn(
                    "dead letter {}-{}@{}: {} {}",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    rejected.reason(),
                    rejected.detail());
            DeadLetter letter = DeadLetter.of(STAGE, rejected.reason(), rejected.detail(), record);
            producer.send(letter.toProducerRecord(config.deadLetterTopic()), (meta, e) -> {
                if (e != null) {
                    deadLetterFailure.compareAndSet(null, e);
                }
            });
            metrics.deadLetter(rejected.reason());
        }

        private void trainPending() throws IOException {
            int context = config.model().context();
            List<TrainingWindow.Piece> pieces = new ArrayList<>();
            for (TrainingWindow w : pending) {
                pieces.addAll(w.pieces(context));
            }
            TrainStep.Result r;
            try (Batch batch = BatchAssembler.assemble(manager, pieces, pendingKey)) {
                synchronized (GRADIENT_TURN) {
                    r = step.step(batch);
                }
            }
            tokensSeen += BatchAssembler.realPositions(pieces);
            if (trainedLog != null) {
                trainedLog.trained(r.step(), pending);
            }
            for (TrainingWindow w : pending) {
                tracker.trained(w.source(), w.offset());
            }
            metrics.trainedWindows(pending.size());
            pending.clear();
            pendingRows = 0;
            metrics.stepped(r.step(), tokensSeen, r.loss(), r.kd(), r.ce(), r.lossScale());
            if (r.skipped()) {
                LOG.warn("step {}: gradient not finite, update skipped (loss scale {})", r.step(), r.lossScale());
            }
        }

        private boolean checkpointDue(long now) {
            boolean bySteps = config.checkpointEverySteps() > 0
                    && step.steps() - Math.max(lastSavedStep, 0) >= config.checkpointEverySteps();
            boolean byTime = !config.checkpointEvery().isZero()
                    && now - lastCheckpointNanos >= config.checkpointEvery().toNanos();
            return (bySteps || byTime) && changedSinceSave();
        }

        private boolean changedSinceSave() {
            return step.steps() != lastSavedStep || !offsets().equals(lastSavedOffsets);
        }

        /** Offsets to save: the covered ones of assigned partitions, the last known of any others. */
        private Map<String, Long> offsets() {
            Map<String, Long> out = new TreeMap<>();
            resumeAt.forEach((tp, offset) -> out.put(OffsetTracker.key(tp), offset));
            tracker.covered().forEach((tp, offset) -> out.put(OffsetTracker.key(tp), offset));
            return out;
        }

        /** Saves a checkpoint when anything changed since the last, commits the offsets, publishes. */
        @SuppressWarnings("try") // the no-grad scope is used for its effect only
        void checkpoint(String why) throws IOException, InterruptedException {
            lastCheckpointNanos = System.nanoTime();
            if (!changedSinceSave()) {
                return;
            }
            producer.flush(); // every dead letter the offsets skip must be delivered first
            Exception failure = deadLetterFailure.get();
            if (failure != null) {
                throw new IOException("cannot deliver to " + config.deadLetterTopic() + ": " + failure, failure);
            }
            Map<TopicPartition, Long> covered = tracker.covered();
            Map<String, Long> offsets = offsets();
            var scaler = step.lossScaler();
            TrainingState state =
                    new TrainingState(step.steps(), tokensSeen, scaler.scale(), scaler.cleanSteps(), offsets);
            Path dir;
            try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
                dir = store.save(model, step.optimizer(), state).dir();
            }
            lastSavedStep = state.step();
            lastSavedOffsets = offsets;
            metrics.checkpointSaved();
            LOG.info("checkpoint {} saved ({}): step {}, offsets {}", dir.getFileName(), why, state.step(), offsets);
            commit(covered);
            if (state.step() > 0 && state.step() > lastPublishedVersion) {
                publish(state);
            }
        }

        private void commit(Map<TopicPartition, Long> covered) {
            Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
            covered.forEach((tp, offset) -> commits.put(tp, new OffsetAndMetadata(offset)));
            try {
                consumer.commitSync(commits, Duration.ofSeconds(10));
            } catch (KafkaException e) {
                // The checkpoint already holds the offsets; the group's copy is only for lag tools.
                LOG.warn("could not commit offsets to group {}: {}", config.groupId(), e.toString());
            }
        }

        @SuppressWarnings("try") // the no-grad scope is used for its effect only
        private void publish(TrainingState state) throws IOException, InterruptedException {
            Optional<Evaluator.Metrics> figures =
                    Evaluator.evaluate(model, manager, holdoutSet.snapshot(), config.batchSize());
            Map<String, Double> map = figures.map(Evaluator.Metrics::asMap).orElse(Map.of());
            OptionalDouble bpb =
                    figures.map(f -> OptionalDouble.of(f.bitsPerByte())).orElse(OptionalDouble.empty());
            PublishGate.Decision decision = gate.decide(bpb);
            if (!decision.publish()) {
                metrics.heldBack(map);
                LOG.warn("checkpoint step {} held back by the publish gate: {}", state.step(), decision.reason());
                return;
            }
            CheckpointPublished announcement;
            try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
                announcement = publisher.publish(model, state.step(), state.tokensSeen(), map);
            }
            gate.published(bpb);
            lastPublishedVersion = state.step();
            metrics.published(state.step(), map);
            LOG.info(
                    "published {} version {} ({} bytes, sha256 {}) at {}: {}",
                    config.student(),
                    announcement.getVersion(),
                    announcement.getSizeBytes(),
                    announcement.getSha256().substring(0, 12),
                    announcement.getUri(),
                    describe(figures));
        }

        private void progress(long now) {
            double seconds = (now - lastProgressNanos) / 1e9;
            double tokensPerSecond = (tokensSeen - lastProgressTokens) / seconds;
            long lag = lag();
            metrics.throughput(tokensPerSecond);
            metrics.lag(lag);
            boolean idle = tokensSeen == lastProgressTokens;
            if (idle && now - lastProgressNanos < IDLE_PROGRESS_NANOS) {
                return; // nothing moved: one line a minute is enough to show it is alive
            }
            lastProgressNanos = now;
            lastProgressTokens = tokensSeen;
            LOG.info(String.format(
                    Locale.ROOT,
                    "student %s: step %,d | %,.0f tokens/s | kd %.4f | ce %.4f | loss scale %s | lag %s | dead letters %d | held out %d",
                    config.student(),
                    step.steps(),
                    tokensPerSecond,
                    metrics.lastKd(),
                    metrics.lastCe(),
                    step.lossScaler().scale(),
                    lag < 0 ? "?" : String.format(Locale.ROOT, "%,d", lag),
                    metrics.deadLetters(),
                    metrics.heldOutRecords()));
        }

        /** Records between the consumer's position and the end of its partitions; -1 when unknown. */
        private long lag() {
            long total = 0;
            for (TopicPartition tp : consumer.assignment()) {
                OptionalLong lag = consumer.currentLag(tp);
                if (lag.isEmpty()) {
                    return -1;
                }
                total += lag.getAsLong();
            }
            return total;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Map<TopicPartition, Long> covered = tracker.covered();
            for (TopicPartition tp : partitions) {
                Long offset = covered.get(tp);
                if (offset != null) {
                    resumeAt.put(tp, offset);
                }
                tracker.revoked(tp);
            }
            // Waiting records of those partitions are read again by whoever gets them, from the covered offset.
            boolean removed = pending.removeIf(w -> partitions.contains(w.source()));
            if (removed) {
                pendingRows = 0;
                for (TrainingWindow w : pending) {
                    pendingRows += w.pieces(config.model().context()).size();
                }
            }
            if (!partitions.isEmpty()) {
                LOG.info("partitions revoked: {}", partitions);
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                Long saved = resumeAt.get(tp);
                long position;
                if (saved != null) {
                    consumer.seek(tp, saved);
                    position = saved;
                    LOG.info("{}: resuming at offset {} (from the checkpoint)", tp, saved);
                } else {
                    consumer.seekToBeginning(List.of(tp));
                    position = consumer.position(tp);
                    LOG.info("{}: not in the checkpoint, reading from the beginning (offset {})", tp, position);
                }
                tracker.assigned(tp, position);
            }
        }
    }

    private static String describe(Optional<Evaluator.Metrics> figures) {
        if (figures.isEmpty()) {
            return "no held-out windows yet";
        }
        Evaluator.Metrics m = figures.get();
        return String.format(
                Locale.ROOT,
                "holdout %.4f bits/byte, KL to teacher %s, top-1 agreement %.3f, teacher %s bits/byte (%d windows)",
                m.bitsPerByte(),
                m.klToTeacher().isPresent()
                        ? String.format(Locale.ROOT, "%.4f", m.klToTeacher().getAsDouble())
                        : "-",
                m.top1Agreement(),
                m.teacherBitsPerByte().isPresent()
                        ? String.format(
                                Locale.ROOT, "%.4f", m.teacherBitsPerByte().getAsDouble())
                        : "-",
                m.windows());
    }

    private Properties consumerProperties() {
        Properties props = new Properties();
        props.putAll(config.kafka());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "distill-student-" + config.student());
        // Static membership: one trainer process per student, so a restarted trainer (after a crash) takes its
        // partitions over at once instead of waiting for the dead member's session to time out. A second process
        // of the same student is fenced off by the broker.
        props.putIfAbsent(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.groupId() + "-trainer");
        // Bounded work between polls: a poll's records are trained before the next poll.
        props.putIfAbsent(
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(Math.max(64, 4 * config.batchSize())));
        return props;
    }

    private Properties producerProperties() {
        Properties props = new Properties();
        props.putAll(config.kafka());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "distill-student-" + config.student() + "-producer");
        return props;
    }
}
