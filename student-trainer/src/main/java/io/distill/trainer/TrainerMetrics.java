// Over 350 lines on purpose: every figure of the trainer on one registry, the one home of /metrics and /status.
package io.distill.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.schemas.ServiceMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * What the trainer reports over HTTP: written by the training thread, read by the server's threads. Each figure is
 * published on its own (no snapshot across them); that is what a scrape needs. {@code /metrics} is the Micrometer
 * registry's page ({@link ServiceMetrics}): these figures tagged with the student, histograms of step, checkpoint
 * save and artifact download time, and the JVM's, the process's and the Kafka clients' metrics.
 *
 * <p>Its public methods are the progress counts for code that runs a {@link StudentTrainer} in its process ({@link
 * StudentTrainer#metrics()}): the trainer benchmark and the tests of other modules wait on them. Everything else is
 * the trainer's.
 */
public final class TrainerMetrics {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Holdout figures (the announcement's names) to Prometheus names with their unit. */
    private static final Map<String, String> HOLDOUT_NAMES = Map.of(
            "holdout_bits_per_byte", "bits.per.byte",
            "kl_to_teacher", "kl.to.teacher.nats",
            "top1_agreement", "top1.agreement.ratio",
            "teacher_bits_per_byte", "teacher.bits.per.byte",
            "holdout_windows", "windows",
            "holdout_positions", "positions");

    private final String student;
    private final AtomicLong deadLettersTotal = new AtomicLong();
    private final Map<String, AtomicLong> deadLetters = new ConcurrentHashMap<>();
    private final AtomicLong heldOut = new AtomicLong();
    private final AtomicLong windowsTrained = new AtomicLong();
    private final AtomicLong checkpointsSaved = new AtomicLong();
    private final AtomicLong checkpointsPublished = new AtomicLong();
    private final AtomicLong checkpointsHeldBack = new AtomicLong();
    private final AtomicLong retentionGapRecords = new AtomicLong();
    private final AtomicLong skippedSteps = new AtomicLong();
    private final AtomicLong untrainable = new AtomicLong();
    private volatile long step;
    private volatile long tokens;
    private volatile float loss = Float.NaN;
    private volatile float kd = Float.NaN;
    private volatile float ce = Float.NaN;
    private volatile float lossScale = 1f;
    private volatile double tokensPerSecond;
    private volatile long lag = -1;
    private volatile long lastPublishedVersion = -1;
    private volatile Map<String, Double> holdout = Map.of();
    private volatile boolean running;
    private final PrometheusMeterRegistry registry = ServiceMetrics.registry();
    private final Tags tags;
    private final Timer stepLatency;
    private final Timer checkpointSave;
    private final Timer checkpointDownload;
    private volatile OnPolicyMetrics onPolicy;
    private volatile MixtureMetrics mixture;

    TrainerMetrics(String student) {
        this.student = student;
        this.tags = Tags.of("student", student);
        this.stepLatency = ServiceMetrics.histogram("distill.trainer.step", "Latency of one training step.")
                .tags(tags)
                .register(registry);
        this.checkpointSave = ServiceMetrics.histogram(
                        "distill.trainer.checkpoint.save", "Time to save a checkpoint (weights, optimizer, offsets).")
                .tags(tags)
                .register(registry);
        this.checkpointDownload = ServiceMetrics.histogram(
                        "distill.trainer.checkpoint.download", "Time to serve one checkpoint artifact over HTTP.")
                .tags(tags)
                .register(registry);
        register();
    }

    void stepped(
            long stepCount, long tokensSeen, float lossValue, float kdValue, float ceValue, float scale, long nanos) {
        stepLatency.record(nanos, TimeUnit.NANOSECONDS);
        step = stepCount;
        tokens = tokensSeen;
        loss = lossValue;
        kd = kdValue;
        ce = ceValue;
        lossScale = scale;
    }

    void trainedWindows(int count) {
        windowsTrained.addAndGet(count);
    }

    void restored(long stepCount, long tokensSeen, float scale) {
        step = stepCount;
        tokens = tokensSeen;
        lossScale = scale;
    }

    void throughput(double value) {
        tokensPerSecond = value;
    }

    void lag(long value) {
        if (value >= 0 && lag < 0) { // registered once known: no sample rather than -1 for unknown
            Gauge.builder("distill.trainer.consumer.lag.records", this, m -> m.lag >= 0 ? m.lag : Double.NaN)
                    .description("Records behind the end of the input.")
                    .tags(tags)
                    .register(registry);
        }
        lag = value;
    }

    void deadLetter(String reason) {
        deadLettersTotal.incrementAndGet();
        deadLetters
                .computeIfAbsent(reason, r -> {
                    AtomicLong n = new AtomicLong();
                    FunctionCounter.builder("distill.trainer.dead.letters", n, AtomicLong::get)
                            .description("Records sent to the dead-letter topic.")
                            .tags(tags.and("reason", r))
                            .register(registry);
                    return n;
                })
                .incrementAndGet();
    }

    /** Offsets deleted from the input before they were trained on (retention gaps, {@link RetentionGaps}). */
    void retentionGap(long records) {
        retentionGapRecords.addAndGet(records);
    }

    /** An optimizer step skipped for a non-finite gradient; its batch is retried, not counted as trained. */
    void skippedStep() {
        skippedSteps.incrementAndGet();
    }

    /** Windows of a batch no loss scale could train: set aside, never counted as trained. */
    void untrainable(int windows) {
        untrainable.addAndGet(windows);
    }

    void heldOut() {
        heldOut.incrementAndGet();
    }

    void checkpointSaved(long nanos) {
        checkpointSave.record(nanos, TimeUnit.NANOSECONDS);
        checkpointsSaved.incrementAndGet();
    }

    void served(long nanos) {
        checkpointDownload.record(nanos, TimeUnit.NANOSECONDS);
    }

    void published(long version, Map<String, Double> figures) {
        checkpointsPublished.incrementAndGet();
        lastPublishedVersion = version;
        holdout = Map.copyOf(figures);
        holdoutGauges(figures);
    }

    void heldBack(Map<String, Double> figures) {
        checkpointsHeldBack.incrementAndGet();
        holdout = Map.copyOf(figures);
        holdoutGauges(figures);
    }

    void running(boolean value) {
        running = value;
    }

    boolean isRunning() {
        return running;
    }

    public long step() {
        return step;
    }

    public long tokens() {
        return tokens;
    }

    public long deadLetters() {
        return deadLettersTotal.get();
    }

    public long deadLetters(String reason) {
        AtomicLong n = deadLetters.get(reason);
        return n == null ? 0 : n.get();
    }

    /** Windows trained on by this process (after a restart, counting from the restart). */
    public long windowsTrained() {
        return windowsTrained.get();
    }

    public long heldOutRecords() {
        return heldOut.get();
    }

    public long retentionGapRecords() {
        return retentionGapRecords.get();
    }

    long skippedSteps() {
        return skippedSteps.get();
    }

    long untrainableWindows() {
        return untrainable.get();
    }

    public long checkpointsPublished() {
        return checkpointsPublished.get();
    }

    long checkpointsHeldBack() {
        return checkpointsHeldBack.get();
    }

    float lastKd() {
        return kd;
    }

    float lastCe() {
        return ce;
    }

    /** The multi-teacher figures, registered on first use (only trainers with {@code --teachers} have them). */
    public synchronized MixtureMetrics mixture() {
        if (mixture == null) {
            mixture = new MixtureMetrics(registry, tags);
        }
        return mixture;
    }

    /** The on-policy figures, registered on first use (only trainers with {@code --on-policy} have them). */
    public synchronized OnPolicyMetrics onPolicy() {
        if (onPolicy == null) {
            onPolicy = new OnPolicyMetrics(registry, tags);
        }
        return onPolicy;
    }

    /** The Prometheus text page of {@code /metrics}. */
    String prometheus() {
        return registry.scrape();
    }

    /** Binds the Kafka clients' own metrics until closed. */
    KafkaBinding bind(Producer<?, ?> producer, Consumer<?, ?> consumer) {
        List<KafkaClientMetrics> bound =
                List.of(new KafkaClientMetrics(producer, tags), new KafkaClientMetrics(consumer, tags));
        bound.forEach(k -> k.bindTo(registry));
        return () -> bound.forEach(KafkaClientMetrics::close);
    }

    /** A binding of Kafka client metrics; closing it stops their refresh. */
    interface KafkaBinding extends AutoCloseable {
        @Override
        void close();
    }

    private void register() {
        FunctionCounter.builder("distill.trainer.steps", this, m -> m.step)
                .description("Optimisation steps taken.")
                .tags(tags)
                .register(registry);
        FunctionCounter.builder("distill.trainer.tokens", this, m -> m.tokens)
                .description("Token positions trained on.")
                .tags(tags)
                .register(registry);
        gauge("distill.trainer.loss.nats", "Training loss of the last step.", m -> m.loss);
        gauge("distill.trainer.kd.loss.nats", "Distillation term of the last step (no T^2).", m -> m.kd);
        gauge("distill.trainer.ce.loss.nats", "Hard-label cross-entropy of the last step.", m -> m.ce);
        gauge("distill.trainer.loss.scale", "Dynamic loss scale (1 when off).", m -> m.lossScale);
        gauge("distill.trainer.tokens.per.second", "Recent training throughput.", m -> m.tokensPerSecond);
        counter("distill.trainer.windows", "Windows trained on by this process.", windowsTrained);
        counter("distill.trainer.held.out", "Held-out records (never trained on).", heldOut);
        counter("distill.trainer.checkpoints.saved", "Checkpoints saved.", checkpointsSaved);
        counter("distill.trainer.checkpoints.published", "Checkpoints published.", checkpointsPublished);
        counter(
                "distill.trainer.checkpoints.held.back",
                "Checkpoints the publish gate held back.",
                checkpointsHeldBack);

        counter("distill.trainer.retention.gap.records", "Input records lost to retention.", retentionGapRecords);
        counter("distill.trainer.skipped.steps", "Steps skipped for a non-finite gradient.", skippedSteps);
        counter("distill.trainer.untrainable.windows", "Windows no loss scale could train.", untrainable);
    }

    private void counter(String name, String help, AtomicLong value) {
        Counters.register(registry, tags, name, help, value);
    }

    private void gauge(String name, String help, ToDoubleFunction<TrainerMetrics> value) {
        Gauge.builder(name, this, value).description(help).tags(tags).register(registry);
    }

    /** One gauge per holdout figure, registered when the figure first appears, each with its unit in the name. */
    private void holdoutGauges(Map<String, Double> figures) {
        for (String figure : figures.keySet()) {
            String name = HOLDOUT_NAMES.getOrDefault(figure, figure);
            Gauge.builder("distill.trainer.holdout." + name, this, m -> m.holdout.getOrDefault(figure, Double.NaN))
                    .description("Holdout figure " + figure + " of the last evaluated checkpoint.")
                    .tags(tags)
                    .register(registry);
        }
    }

    /** The /status document. */
    String statusJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("student", student);
        o.put("running", running);
        o.put("step", step);
        o.put("tokens", tokens);
        o.put("loss", loss);
        o.put("kdLoss", kd);
        o.put("ceLoss", ce);
        o.put("lossScale", lossScale);
        o.put("tokensPerSecond", tokensPerSecond);
        o.put("consumerLag", lag);
        o.put("deadLetters", deadLettersTotal.get());
        o.put("heldOutRecords", heldOut.get());
        o.put("checkpointsPublished", checkpointsPublished.get());
        o.put("lastPublishedVersion", lastPublishedVersion);
        ObjectNode h = o.putObject("holdout");
        new TreeMap<>(holdout).forEach(h::put);
        return o.toString();
    }
}
