package io.distill.trainer;

import io.distill.lm.train.TrainStep;
import java.util.Locale;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The progress line (at most every {@code --progress-every}) and the throughput and lag figures of {@code /metrics}.
 */
final class ProgressReporter {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);
    private static final long IDLE_PROGRESS_NANOS = 60_000_000_000L;

    private final String student;
    private final long everyNanos;
    private final Consumer<byte[], byte[]> consumer;
    private final TrainStep step;
    private final BatchTrainer batches;
    private final TrainerMetrics metrics;
    private final boolean onPolicy;
    private long lastNanos = System.nanoTime();
    private long lastTokens;

    ProgressReporter(
            TrainerConfig config,
            Consumer<byte[], byte[]> consumer,
            TrainStep step,
            BatchTrainer batches,
            TrainerMetrics metrics) {
        this.student = config.student();
        this.everyNanos = config.progressEvery().toNanos();
        this.consumer = consumer;
        this.step = step;
        this.batches = batches;
        this.metrics = metrics;
        this.onPolicy = config.onPolicy().isPresent();
        this.lastTokens = batches.tokensSeen();
    }

    void reportIfDue(long now) {
        if (now - lastNanos >= everyNanos) {
            report(now);
        }
    }

    private void report(long now) {
        long tokensSeen = batches.tokensSeen();
        double seconds = (now - lastNanos) / 1e9;
        double tokensPerSecond = (tokensSeen - lastTokens) / seconds;
        long lag = lag();
        metrics.throughput(tokensPerSecond);
        metrics.lag(lag);
        boolean idle = tokensSeen == lastTokens;
        if (idle && now - lastNanos < IDLE_PROGRESS_NANOS) {
            return; // nothing moved: one line a minute is enough to show it is alive
        }
        lastNanos = now;
        lastTokens = tokensSeen;
        LOG.info(String.format(
                        Locale.ROOT,
                        "student %s: step %,d | %,.0f tokens/s | kd %.4f | ce %.4f | loss scale %s | lag %s | dead letters %d | held out %d",
                        student,
                        step.steps(),
                        tokensPerSecond,
                        metrics.lastKd(),
                        metrics.lastCe(),
                        step.lossScaler().scale(),
                        lag < 0 ? "?" : String.format(Locale.ROOT, "%,d", lag),
                        metrics.deadLetters(),
                        metrics.heldOutRecords())
                + onPolicy());
    }

    /** With --on-policy: the share of own samples trained, the last lag and the samples written and skipped. */
    private String onPolicy() {
        if (!onPolicy) {
            return "";
        }
        OnPolicyMetrics p = metrics.onPolicy();
        return String.format(
                Locale.ROOT,
                " | on-policy %.2f | policy lag %s | samples %d written, %d stale",
                p.onPolicyRatio(),
                p.lastLag() < 0 ? "?" : Long.toString(p.lastLag()),
                p.samplesProduced(),
                p.samplesSkipped());
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
}
