package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The command's logs through Log4j 2 (cli's log4j2.xml): one human line by default, JSON lines on {@code
 * DISTILL_LOG_FORMAT=json}. Each case logs from a child JVM, since the format is read from the environment at start.
 */
class LogFormatTest {

    /**
     * The child: one INFO line of distill's, one WARN of a library (shown), one INFO of a library (not shown), and
     * one line from a shutdown hook, as the services log their graceful shutdown.
     */
    public static final class Child {
        public static void main(String[] args) {
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(() -> LoggerFactory.getLogger("io.distill.trainer.Checkpointer")
                            .info("checkpoint saved (at shutdown)")));
            LoggerFactory.getLogger("io.distill.teacher.TeacherService").info("teacher streams {} -> {}", "A", "B");
            LoggerFactory.getLogger("org.apache.kafka.Something").warn("a warning");
            LoggerFactory.getLogger("org.apache.kafka.Something").info("routine");
        }
    }

    @Test
    void oneHumanLinePerEventByDefault() throws Exception {
        List<String> lines = childLog(null);
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(
                lines.get(0).matches("\\d\\d:\\d\\d:\\d\\d INFO TeacherService - teacher streams A -> B"),
                lines.get(0));
        assertTrue(lines.get(1).matches("\\d\\d:\\d\\d:\\d\\d WARN Something - a warning"), lines.get(1));
        assertEquals(
                "INFO Checkpointer - checkpoint saved (at shutdown)",
                lines.get(2).substring(9),
                "from a hook");
    }

    @Test
    void jsonLinesOnDistillLogFormatJson() throws Exception {
        List<String> lines = childLog("json");
        assertEquals(3, lines.size(), lines.toString());
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertEquals("INFO", first.get("log.level").asText(), lines.get(0));
        assertEquals("teacher streams A -> B", first.get("message").asText());
        assertEquals(
                "io.distill.teacher.TeacherService", first.get("log.logger").asText());
        assertTrue(first.has("@timestamp"), lines.get(0));
        assertEquals(
                "WARN",
                new ObjectMapper().readTree(lines.get(1)).get("log.level").asText());
        assertEquals(
                "checkpoint saved (at shutdown)",
                new ObjectMapper().readTree(lines.get(2)).get("message").asText());
    }

    /** The child's stderr lines, run with {@code DISTILL_LOG_FORMAT} set to {@code format} (unset when null). */
    private static List<String> childLog(String format) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(
                java.toString(), "-cp", System.getProperty("java.class.path"), Child.class.getName());
        pb.environment().remove("DISTILL_LOG_FORMAT");
        if (format != null) {
            pb.environment().put("DISTILL_LOG_FORMAT", format);
        }
        Process p = pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child did not finish");
        assertEquals(0, p.exitValue(), err);
        return err.lines().filter(l -> !l.isBlank()).toList();
    }
}
