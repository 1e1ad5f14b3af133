package io.distill.trainer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The figures of a trainer mixing teachers ({@code --teachers}, {@link TeacherMixture}), on the trainer's registry.
 * Written by the training thread, read by scrapes.
 */
public final class MixtureMetrics {
    final AtomicLong ignoredRecords = new AtomicLong();
    final AtomicLong mixedWindows = new AtomicLong();
    final AtomicLong mixedPositions = new AtomicLong();
    final AtomicLong droppedPositions = new AtomicLong();
    final AtomicLong evictedSamples = new AtomicLong();

    MixtureMetrics(MeterRegistry registry, Tags tags) {
        Counters.register(
                registry,
                tags,
                "distill.trainer.mixture.ignored.records",
                "Records of teachers not named.",
                ignoredRecords);
        Counters.register(registry, tags, "distill.trainer.mixture.windows", "Mixed windows made.", mixedWindows);
        Counters.register(registry, tags, "distill.trainer.mixture.positions", "Byte positions mixed.", mixedPositions);
        Counters.register(
                registry,
                tags,
                "distill.trainer.mixture.dropped.positions",
                "Byte positions some named teacher never covered (or that disagreed), not trained.",
                droppedPositions);
        Counters.register(
                registry,
                tags,
                "distill.trainer.mixture.evicted.samples",
                "Samples whose join waited too long or did not fit the buffer.",
                evictedSamples);
    }
}
