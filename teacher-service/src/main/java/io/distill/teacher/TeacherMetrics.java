package io.distill.teacher;

import io.distill.schemas.ServiceMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The teacher's own counters, shared by every stream task of a service (thread-safe), and the figures derived from
 * them: tokens per second, batch fill and wire bytes per token. They are Micrometer meters of the service's registry
 * ({@link ServiceMetrics}), beside the JVM's, the process's and the Kafka Streams client's, and a histogram of batch
 * latency.
 *
 * <p>Its public methods are the service's own measurements for code that runs a {@link TeacherService} in its process
 * ({@link TeacherService#metrics()}): the teacher benchmark reads the time split and the wire cost from them, tests
 * the counts. Everything else is the service's.
 */
public final class TeacherMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(TeacherMetrics.class);
    /** How often the running bits per byte of {@code --project bytes} is logged. */
    static final Duration PROJECTION_LOG_EVERY = Duration.ofSeconds(30);

    private final int maxBatch;
    private final LongAdder recordsIn = new LongAdder();
    private final LongAdder retentionGapRecords = new LongAdder();
    private final LongAdder recordsOut = new LongAdder();
    private final LongAdder windowsBuffered = new LongAdder();
    private final LongAdder tokensLabelled = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder batchWindows = new LongAdder();
    private final LongAdder labelNanos = new LongAdder();
    private final LongAdder forwardNanos = new LongAdder();
    private final LongAdder wireBytes = new LongAdder();
    private final LongAdder projectedBytes = new LongAdder();
    private final DoubleAdder projectedNats = new DoubleAdder();
    private final AtomicLong lastProjectionLogNanos = new AtomicLong(System.nanoTime());
    private final Map<Rejection, LongAdder> deadLetters = new EnumMap<>(Rejection.class);
    private final RateMeter tokenRate = new RateMeter(10);
    private volatile long firstRecordNanos;
    private volatile long lastBatchNanos;
    private final PrometheusMeterRegistry registry = ServiceMetrics.registry();
    private final Timer batchLatency;

    TeacherMetrics(int maxBatch) {
        this.maxBatch = maxBatch;
        for (Rejection reason : Rejection.values()) {
            deadLetters.put(reason, new LongAdder());
        }
        this.batchLatency = ServiceMetrics.histogram(
                        "distill.teacher.batch", "Latency of labelling one batch: forward pass and codec.")
                .register(registry);
        register();
    }

    /** Input offsets deleted before they were labelled ({@link InputGaps}). */
    void retentionGap(long records) {
        retentionGapRecords.add(records);
    }

    public long retentionGapRecords() {
        return retentionGapRecords.sum();
    }

    void recordIn() {
        if (firstRecordNanos == 0) {
            firstRecordNanos = System.nanoTime();
        }
        recordsIn.increment();
    }

    void windowsBuffered(int windows) {
        windowsBuffered.add(windows);
    }

    /**
     * @param labelNanos the whole labelling call: forward pass and codec
     * @param forwardNanos the model's forward pass alone
     */
    void batch(int windows, long labelNanos, long forwardNanos) {
        batchLatency.record(labelNanos, TimeUnit.NANOSECONDS);
        batches.increment();
        batchWindows.add(windows);
        this.labelNanos.add(labelNanos);
        this.forwardNanos.add(forwardNanos);
        lastBatchNanos = System.nanoTime();
    }

    /** One SoftLabels record of {@code positions} labelled tokens and {@code valueBytes} bytes went out. */
    void published(int positions, int valueBytes) {
        recordsOut.increment();
        tokensLabelled.add(positions);
        wireBytes.add(valueBytes);
        tokenRate.add(positions, System.currentTimeMillis());
    }

    /** {@code --project bytes}: a record of {@code bytes} byte positions whose teacher cross-entropy is {@code nats}. */
    void projected(int bytes, double nats) {
        projectedBytes.add(bytes);
        projectedNats.add(nats);
    }

    /**
     * Logs the teacher's running bits per byte over what it projected, at most once per {@link #PROJECTION_LOG_EVERY}
     * whichever task calls (one line per interval for the service).
     */
    void logProjectionIfDue() {
        long now = System.nanoTime();
        long last = lastProjectionLogNanos.get();
        if (now - last >= PROJECTION_LOG_EVERY.toNanos() && lastProjectionLogNanos.compareAndSet(last, now)) {
            LOG.info(String.format(
                    Locale.ROOT,
                    "projected %,d bytes: the teacher's own %.4f bits/byte over them, %.1f wire bytes/byte",
                    projectedBytes(),
                    projectedBitsPerByte(),
                    wireBytesPerToken()));
        }
    }

    public long projectedBytes() {
        return projectedBytes.sum();
    }

    /** The teacher's cross-entropy over the bytes it labelled with {@code --project bytes}, in bits per byte. */
    public double projectedBitsPerByte() {
        long n = projectedBytes();
        return n == 0 ? 0 : projectedNats.sum() / n / Math.log(2);
    }

    void deadLetter(Rejection reason) {
        deadLetters.get(reason).increment();
    }

    public long recordsIn() {
        return recordsIn.sum();
    }

    /** SoftLabels records produced (each committed or aborted with its transaction). */
    public long recordsOut() {
        return recordsOut.sum();
    }

    long windowsBuffered() {
        return windowsBuffered.sum();
    }

    long tokensLabelled() {
        return tokensLabelled.sum();
    }

    long batches() {
        return batches.sum();
    }

    long batchWindows() {
        return batchWindows.sum();
    }

    /** Time in the model's forward passes alone. */
    public double forwardSeconds() {
        return forwardNanos.sum() / 1e9;
    }

    /** Time labelling batches: forward passes plus codec (top-k or sampling, copying out, packing). */
    public double labelSeconds() {
        return labelNanos.sum() / 1e9;
    }

    long wireBytes() {
        return wireBytes.sum();
    }

    public long deadLetters(Rejection reason) {
        return deadLetters.get(reason).sum();
    }

    public long deadLetters() {
        return deadLetters.values().stream().mapToLong(LongAdder::sum).sum();
    }

    int maxBatch() {
        return maxBatch;
    }

    /** Mean windows per forward pass over max batch: 1.0 when every batch was full. */
    public double batchFill() {
        long n = batches();
        return n == 0 ? 0 : (double) batchWindows() / (n * (double) maxBatch);
    }

    /** SoftLabels value bytes (Avro, envelope included) per labelled token. */
    public double wireBytesPerToken() {
        long tokens = tokensLabelled();
        return tokens == 0 ? 0 : (double) wireBytes() / tokens;
    }

    /** Labelled tokens per second over the last 10 seconds. */
    public double tokensPerSecond() {
        return tokenRate.perSecond(System.currentTimeMillis());
    }

    /**
     * Seconds from the first input record to the end of the latest batch: the span the service has been working,
     * against which {@link #forwardSeconds} and {@link #labelSeconds} are shares of time; 0 before the first batch.
     */
    public double busySeconds() {
        long first = firstRecordNanos;
        long last = lastBatchNanos;
        return first == 0 || last == 0 ? 0 : (last - first) / 1e9;
    }

    /** The Prometheus text page of {@code /metrics}. */
    String scrape() {
        return registry.scrape();
    }

    /**
     * Binds the service's own state: whether the model is loaded and the Kafka Streams state (1 for the current
     * one, 0 for the others).
     */
    void watch(BooleanSupplier modelLoaded, Supplier<KafkaStreams.State> state) {
        Gauge.builder("distill.teacher.model.loaded", () -> modelLoaded.getAsBoolean() ? 1 : 0)
                .description("1 once the teacher model is loaded.")
                .register(registry);
        for (KafkaStreams.State s : KafkaStreams.State.values()) {
            Gauge.builder("distill.teacher.streams.state", () -> state.get() == s ? 1 : 0)
                    .description("1 for the current Kafka Streams state.")
                    .tag("state", s.name())
                    .register(registry);
        }
    }

    /** Binds the Kafka Streams client's metrics (its consumers, producer and admin included) until closed. */
    KafkaStreamsMetrics bind(KafkaStreams streams) {
        KafkaStreamsMetrics kafka = new KafkaStreamsMetrics(streams);
        kafka.bindTo(registry);
        return kafka;
    }

    private void register() {
        counter("distill.teacher.records.in", "Input records read from the text topic.", recordsIn);
        counter("distill.teacher.retention.gap.records", "Input records lost to retention.", retentionGapRecords);
        counter("distill.teacher.records.out", "SoftLabels records produced (one per sample window).", recordsOut);
        counter("distill.teacher.windows", "Windows cut from input documents.", windowsBuffered);
        counter("distill.teacher.tokens", "Token positions labelled.", tokensLabelled);
        counter("distill.teacher.batches", "Forward passes run.", batches);
        counter("distill.teacher.batch.windows", "Windows over all forward passes.", batchWindows);
        counter("distill.teacher.wire.bytes", "SoftLabels value bytes produced.", wireBytes);
        counter("distill.teacher.forward.seconds", "Time in the model's forward passes.", forwardNanos, 1e-9);
        counter("distill.teacher.label.seconds", "Time labelling batches: forward passes and codec.", labelNanos, 1e-9);
        counter("distill.teacher.projected.bytes", "Byte positions labelled by --project bytes.", projectedBytes);
        Gauge.builder("distill.teacher.projected.bits.per.byte", this, TeacherMetrics::projectedBitsPerByte)
                .description("The teacher's own bits per byte over what --project bytes labelled.")
                .register(registry);
        Gauge.builder("distill.teacher.tokens.per.second", this, TeacherMetrics::tokensPerSecond)
                .description("Token positions labelled per second, last 10 s.")
                .register(registry);
        Gauge.builder("distill.teacher.batch.fill.ratio", this, TeacherMetrics::batchFill)
                .description("Mean windows per forward pass over the max batch.")
                .register(registry);
        Gauge.builder("distill.teacher.wire.bytes.per.token", this, TeacherMetrics::wireBytesPerToken)
                .description("SoftLabels value bytes per labelled token position.")
                .register(registry);
        for (Rejection reason : Rejection.values()) {
            FunctionCounter.builder("distill.teacher.dead.letters", deadLetters.get(reason), LongAdder::sum)
                    .description("Records or windows sent to the dead-letter topic.")
                    .tag("reason", reason.name())
                    .register(registry);
        }
    }

    private void counter(String name, String help, LongAdder value) {
        counter(name, help, value, 1);
    }

    private void counter(String name, String help, LongAdder value, double scale) {
        FunctionCounter.builder(name, value, v -> v.sum() * scale)
                .description(help)
                .register(registry);
    }

    /** Events per second over a sliding window of whole seconds. */
    static final class RateMeter {
        private final long[] counts;
        private final long[] seconds;

        /** Keeps one slot more than the window: the current second is still filling and does not count. */
        RateMeter(int windowSeconds) {
            counts = new long[windowSeconds + 1];
            seconds = new long[windowSeconds + 1];
        }

        synchronized void add(long amount, long nowMs) {
            long second = nowMs / 1000;
            int slot = (int) (second % counts.length);
            if (seconds[slot] != second) {
                seconds[slot] = second;
                counts[slot] = 0;
            }
            counts[slot] += amount;
        }

        /** The mean over the last full seconds of the window; the current, partial second is left out. */
        synchronized double perSecond(long nowMs) {
            long current = nowMs / 1000;
            int window = counts.length - 1;
            long sum = 0;
            for (int i = 0; i < counts.length; i++) {
                if (seconds[i] < current && seconds[i] >= current - window) {
                    sum += counts[i];
                }
            }
            return sum / (double) window;
        }
    }
}
