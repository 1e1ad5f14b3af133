package io.distill.schemas;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * The Micrometer registry behind each service's {@code /metrics}: Prometheus text, with the JVM's (memory, GC,
 * threads, classes) and the process's (CPU, uptime, open files) metrics bound. Meter names follow Prometheus
 * practice through Micrometer's naming convention: units in names, {@code _total} on counters, {@code _ratio} for
 * fractions.
 */
public final class ServiceMetrics {
    /** The {@code Content-Type} of {@link PrometheusMeterRegistry#scrape()}: the text exposition format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private ServiceMetrics() {}

    /** A new registry with the JVM and process metrics bound. */
    public static PrometheusMeterRegistry registry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        return registry;
    }

    /** Bucket bounds of every latency histogram: 1 ms to 10 min, about three per decade. */
    private static final Duration[] BUCKETS = Stream.of(
                    1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000,
                    600_000)
            .map(Duration::ofMillis)
            .toArray(Duration[]::new);

    /** A latency histogram ({@code <name>_seconds_bucket}, {@code _count}, {@code _sum}) from 1 ms to 10 min. */
    public static Timer.Builder histogram(String name, String help) {
        return Timer.builder(name).description(help).serviceLevelObjectives(BUCKETS);
    }
}
