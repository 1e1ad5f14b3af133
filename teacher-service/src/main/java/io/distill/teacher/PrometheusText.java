package io.distill.teacher;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Writes the Prometheus text exposition format (version 0.0.4): a HELP and TYPE line per metric family, then its
 * samples, {@code name{label="value"} 1.5}.
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(4096);
    private final Set<String> families = new HashSet<>();

    PrometheusText counter(String name, String help, double value) {
        return family(name, "counter", help).sample(name, Map.of(), value);
    }

    PrometheusText gauge(String name, String help, double value) {
        return family(name, "gauge", help).sample(name, Map.of(), value);
    }

    /** Declares a family once; its samples must follow before the next family. */
    PrometheusText family(String name, String type, String help) {
        if (families.add(name)) {
            out.append("# HELP ")
                    .append(name)
                    .append(' ')
                    .append(escapeHelp(help))
                    .append('\n');
            out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        }
        return this;
    }

    PrometheusText sample(String name, Map<String, String> labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{');
            boolean first = true;
            for (var label : new TreeMap<>(labels).entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(metricName(label.getKey()))
                        .append("=\"")
                        .append(escapeLabel(label.getValue()))
                        .append('"');
            }
            out.append('}');
        }
        out.append(' ').append(number(value)).append('\n');
        return this;
    }

    /**
     * Every numeric metric of a Kafka client (here the Streams client with its consumers, producer and admin) as
     * {@code kafka_streams_<group>_<name>}, tags as labels. Kafka's cumulative {@code -total} metrics are counters,
     * the rest gauges; metrics whose value is not a number (version strings, the topology) are left out.
     */
    PrometheusText kafkaMetrics(Map<MetricName, ? extends Metric> metrics) {
        Map<String, List<Map.Entry<MetricName, Double>>> byFamily = new TreeMap<>();
        Map<String, String> help = new TreeMap<>();
        for (var entry : metrics.entrySet()) {
            if (!(entry.getValue().metricValue() instanceof Number value)) {
                continue;
            }
            MetricName name = entry.getKey();
            String group = name.group().endsWith("-metrics")
                    ? name.group().substring(0, name.group().length() - "-metrics".length())
                    : name.group();
            String family = metricName("kafka_streams_" + group + "_" + name.name());
            byFamily.computeIfAbsent(family, f -> new ArrayList<>()).add(Map.entry(name, value.doubleValue()));
            help.putIfAbsent(family, name.description());
        }
        for (var family : byFamily.entrySet()) {
            String type = family.getKey().endsWith("_total") ? "counter" : "gauge";
            String description = help.get(family.getKey());
            family(family.getKey(), type, description == null || description.isBlank() ? "Kafka metric" : description);
            for (var sample : family.getValue()) {
                sample(family.getKey(), sample.getKey().tags(), sample.getValue());
            }
        }
        return this;
    }

    /** Replaces every character Prometheus does not allow in a name by an underscore; never starts with a digit. */
    static String metricName(String raw) {
        StringBuilder sb = new StringBuilder(raw.length() + 1);
        if (!raw.isEmpty() && Character.isDigit(raw.charAt(0))) {
            sb.append('_');
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            sb.append(ok ? c : '_');
        }
        return sb.toString();
    }

    static String escapeLabel(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String escapeHelp(String help) {
        return help.replace("\\", "\\\\").replace("\n", "\\n");
    }

    static String number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value); // e.g. 0.25 or 1.0E-5, both valid for Prometheus
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
