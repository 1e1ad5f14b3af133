package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/** The teacher's /metrics page: Prometheus names, units and types, from Micrometer's registry. */
class TeacherMetricsTest {

    @Test
    void pageNamesEveryFigureWithItsUnit() {
        TeacherMetrics m = new TeacherMetrics(4);
        m.recordIn();
        m.recordIn();
        m.windowsBuffered(3);
        m.batch(2, TimeUnit.MILLISECONDS.toNanos(5), TimeUnit.MILLISECONDS.toNanos(3));
        m.published(10, 50);
        m.deadLetter(Rejection.OVERSIZED);
        m.watch(() -> true, () -> KafkaStreams.State.RUNNING);

        String page = m.scrape();
        assertEquals(2.0, sample(page, "distill_teacher_records_in_total"));
        assertEquals(1.0, sample(page, "distill_teacher_records_out_total"));
        assertEquals(3.0, sample(page, "distill_teacher_windows_total"));
        assertEquals(10.0, sample(page, "distill_teacher_tokens_total"));
        assertEquals(0.5, sample(page, "distill_teacher_batch_fill_ratio"));
        assertEquals(5.0, sample(page, "distill_teacher_wire_bytes_per_token"));
        assertEquals(0.003, sample(page, "distill_teacher_forward_seconds_total"), 1e-9);
        assertEquals(1.0, sample(page, "distill_teacher_dead_letters_total{reason=\"OVERSIZED\"}"));
        assertEquals(0.0, sample(page, "distill_teacher_dead_letters_total{reason=\"EMPTY\"}"));
        assertEquals(1.0, sample(page, "distill_teacher_model_loaded"));
        assertEquals(1.0, sample(page, "distill_teacher_streams_state{state=\"RUNNING\"}"));
        assertEquals(0.0, sample(page, "distill_teacher_streams_state{state=\"ERROR\"}"));
        assertTrue(page.contains("# TYPE distill_teacher_batch_seconds histogram"), page);
        assertEquals(1.0, sample(page, "distill_teacher_batch_seconds_count"));
        assertTrue(page.contains("jvm_memory_used_bytes{"), "JVM metrics");
        assertTrue(page.contains("process_cpu_usage"), "process metrics");
        assertFalse(page.lines().anyMatch(l -> l.startsWith("distill_") && l.endsWith(" -1.0")), "no -1 for unknown");
    }

    /** The value of the sample line that starts with {@code series} (name and labels), NaN when there is none. */
    static double sample(String page, String series) {
        for (String line : page.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return Double.NaN;
    }
}
