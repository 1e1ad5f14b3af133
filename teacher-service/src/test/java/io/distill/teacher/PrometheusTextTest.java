package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    @Test
    void labelsAreSortedAndEscapedAndNumbersArePrometheusNumbers() {
        String text = new PrometheusText()
                .family("m", "gauge", "Help with a \\ and\na newline.")
                .sample("m", Map.of("b", "quote\"d", "a", "back\\slash\nnew"), 0.25)
                .sample("m", Map.of(), Double.NaN)
                .sample("m", Map.of(), Double.POSITIVE_INFINITY)
                .toString();
        assertEquals(
                "# HELP m Help with a \\\\ and\\na newline.\n"
                        + "# TYPE m gauge\n"
                        + "m{a=\"back\\\\slash\\nnew\",b=\"quote\\\"d\"} 0.25\n"
                        + "m NaN\n"
                        + "m +Inf\n",
                text);
    }

    @Test
    void kafkaMetricsBecomeFamiliesNamedByGroupWithTagsAsLabels() {
        Map<MetricName, Metric> metrics = new LinkedHashMap<>();
        put(metrics, "process-rate", "stream-thread-metrics", Map.of("thread-id", "t-1"), 12.5);
        put(metrics, "process-rate", "stream-thread-metrics", Map.of("thread-id", "t-2"), 1.0);
        put(metrics, "record-send-total", "producer-metrics", Map.of("client-id", "p"), 42.0);
        put(metrics, "version", "stream-metrics", Map.of(), "4.1.2");

        String text = new PrometheusText().kafkaMetrics(metrics).toString();

        assertTrue(text.contains("# TYPE kafka_streams_stream_thread_process_rate gauge\n"), text);
        assertTrue(text.contains("kafka_streams_stream_thread_process_rate{thread_id=\"t-1\"} 12.5\n"), text);
        assertTrue(text.contains("kafka_streams_stream_thread_process_rate{thread_id=\"t-2\"} 1\n"), text);
        assertTrue(text.contains("# TYPE kafka_streams_producer_record_send_total counter\n"), text);
        assertTrue(!text.contains("version"), "non-numeric metrics are left out");
        assertEquals(1, text.split("# TYPE kafka_streams_stream_thread_process_rate", -1).length - 1);
    }

    @Test
    void namesKeepOnlyWhatPrometheusAllows() {
        assertEquals("a_b_c9", PrometheusText.metricName("a-b.c9"));
        assertEquals("_9x", PrometheusText.metricName("9x"));
    }

    private static void put(
            Map<MetricName, Metric> metrics, String name, String group, Map<String, String> tags, Object value) {
        MetricName metricName = new MetricName(name, group, "about " + name, tags);
        metrics.put(metricName, new Metric() {
            @Override
            public MetricName metricName() {
                return metricName;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        });
    }
}
