package io.distill.trainer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.atomic.AtomicLong;

/** Registers a counter that a scrape reads from an {@link AtomicLong} the training thread adds to. */
final class Counters {
    private Counters() {}

    static void register(MeterRegistry registry, Tags tags, String name, String help, AtomicLong value) {
        FunctionCounter.builder(name, value, AtomicLong::get)
                .description(help)
                .tags(tags)
                .register(registry);
    }
}
