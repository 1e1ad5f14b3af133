package io.distill.trainer;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The on-policy figures of a trainer running with {@code --on-policy}, on the trainer's registry: the share of
 * trained tokens that were its own samples, the lag of the last one trained, and the samples produced and skipped.
 * Written by the training thread, read by scrapes.
 */
public final class OnPolicyMetrics {
    private final AtomicLong onPolicyTokens = new AtomicLong();
    private final AtomicLong offPolicyTokens = new AtomicLong();
    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private volatile long lastLag = -1;
    private final MeterRegistry registry;
    private final Tags tags;

    OnPolicyMetrics(MeterRegistry registry, Tags tags) {
        Counters.register(
                registry, tags, "distill.trainer.samples.produced", "Own samples written to the text topic.", produced);
        Counters.register(
                registry, tags, "distill.trainer.samples.skipped", "Own samples too stale to train on.", skipped);
        Counters.register(
                registry,
                tags,
                "distill.trainer.on.policy.tokens",
                "Token positions of own samples trained on.",
                onPolicyTokens);
        this.registry = registry;
        this.tags = tags;
    }

    void trained(long offPolicy, long onPolicy) {
        if (offPolicyTokens.get() + onPolicyTokens.get() == 0 && offPolicy + onPolicy > 0) {
            // registered once known: no sample rather than NaN before the first step
            Gauge.builder("distill.trainer.on.policy.ratio", this, OnPolicyMetrics::onPolicyRatio)
                    .description("Share of the token positions trained by this process that were own samples.")
                    .tags(tags)
                    .register(registry);
        }
        offPolicyTokens.addAndGet(offPolicy);
        onPolicyTokens.addAndGet(onPolicy);
    }

    void accepted(long lag) {
        if (lastLag < 0) {
            Gauge.builder("distill.trainer.policy.lag.steps", this, m -> m.lastLag)
                    .description("Versions (steps) between the weights that wrote the last own sample trained on"
                            + " and the weights that read it.")
                    .tags(tags)
                    .register(registry);
        }
        lastLag = lag;
    }

    void produced(int samples) {
        produced.addAndGet(samples);
    }

    void skipped() {
        skipped.incrementAndGet();
    }

    /** On-policy token positions over all trained by this process; NaN before the first step. */
    public double onPolicyRatio() {
        long on = onPolicyTokens.get();
        long all = on + offPolicyTokens.get();
        return all == 0 ? Double.NaN : (double) on / all;
    }

    public long onPolicyTokens() {
        return onPolicyTokens.get();
    }

    public long samplesProduced() {
        return produced.get();
    }

    public long samplesSkipped() {
        return skipped.get();
    }

    /** The lag of the last own sample accepted for training, or -1. */
    public long lastLag() {
        return lastLag;
    }
}
