package io.distill.teacher;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The teacher's own counters, shared by every stream task of a service (thread-safe), and the figures derived from
 * them: tokens per second, batch fill and wire bytes per token.
 */
public final class TeacherMetrics {
    private final int maxBatch;
    private final LongAdder recordsIn = new LongAdder();
    private final LongAdder recordsOut = new LongAdder();
    private final LongAdder windowsBuffered = new LongAdder();
    private final LongAdder tokensLabelled = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder batchWindows = new LongAdder();
    private final LongAdder labelNanos = new LongAdder();
    private final LongAdder forwardNanos = new LongAdder();
    private final LongAdder wireBytes = new LongAdder();
    private final Map<Rejection, LongAdder> deadLetters = new EnumMap<>(Rejection.class);
    private final RateMeter tokenRate = new RateMeter(10);
    private volatile long firstRecordNanos;
    private volatile long lastBatchNanos;

    public TeacherMetrics(int maxBatch) {
        this.maxBatch = maxBatch;
        for (Rejection reason : Rejection.values()) {
            deadLetters.put(reason, new LongAdder());
        }
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

    public long windowsBuffered() {
        return windowsBuffered.sum();
    }

    public long tokensLabelled() {
        return tokensLabelled.sum();
    }

    public long batches() {
        return batches.sum();
    }

    public long batchWindows() {
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

    public long wireBytes() {
        return wireBytes.sum();
    }

    public long deadLetters(Rejection reason) {
        return deadLetters.get(reason).sum();
    }

    public long deadLetters() {
        return deadLetters.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public int maxBatch() {
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

    /** {@link System#nanoTime()} when the first input record arrived, 0 before (for benchmarks). */
    public long firstRecordNanos() {
        return firstRecordNanos;
    }

    /** {@link System#nanoTime()} when the latest batch was labelled, 0 before (for benchmarks). */
    public long lastBatchNanos() {
        return lastBatchNanos;
    }

    void writeTo(PrometheusText out) {
        out.counter("distill_teacher_records_in_total", "Input records read from the text topic.", recordsIn());
        out.counter(
                "distill_teacher_records_out_total",
                "SoftLabels records produced (one per sample window).",
                recordsOut());
        out.counter("distill_teacher_windows_total", "Windows cut from input documents.", windowsBuffered());
        out.counter("distill_teacher_tokens_total", "Token positions labelled.", tokensLabelled());
        out.gauge(
                "distill_teacher_tokens_per_second",
                "Token positions labelled per second, last 10 s.",
                tokensPerSecond());
        out.counter("distill_teacher_batches_total", "Forward passes run.", batches());
        out.counter("distill_teacher_batch_windows_total", "Windows over all forward passes.", batchWindows());
        out.gauge("distill_teacher_batch_fill", "Mean windows per forward pass over the max batch.", batchFill());
        out.counter("distill_teacher_forward_seconds_total", "Time in the model's forward passes.", forwardSeconds());
        out.counter(
                "distill_teacher_label_seconds_total",
                "Time labelling batches: forward passes and codec.",
                labelSeconds());
        out.counter("distill_teacher_wire_bytes_total", "SoftLabels value bytes produced.", wireBytes());
        out.gauge(
                "distill_teacher_wire_bytes_per_token",
                "SoftLabels value bytes per labelled token position.",
                wireBytesPerToken());
        out.family(
                "distill_teacher_dead_letters_total", "counter", "Records or windows sent to the dead-letter topic.");
        for (Rejection reason : Rejection.values()) {
            out.sample("distill_teacher_dead_letters_total", Map.of("reason", reason.name()), deadLetters(reason));
        }
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
