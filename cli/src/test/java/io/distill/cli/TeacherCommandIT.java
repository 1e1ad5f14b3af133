package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.lm.codec.Codec;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** `distill feed` then `distill teacher --model-size tiny` on a real broker: soft labels come out, health is up. */
@ExtendWith(KafkaBrokerExtension.class)
class TeacherCommandIT {
    private final EmbeddedKafkaBroker broker;

    TeacherCommandIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void labelsFedTextWithSettingsFromTheEnvironment(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("t.txt"), List.of("first line", "second line", "third"));
        CliRun fed = CliRun.of(
                "feed", "--bootstrap", broker.bootstrapServers(), "--topic", "cli-teacher.text", file.toString());
        assertEquals(0, fed.exitCode(), fed.err());

        StringWriter err = new StringWriter();
        var commandLine = Distill.commandLine(Map.of("DISTILL_CODEC", "sampled:12", "DISTILL_MAX_WAIT", "100ms"));
        commandLine.setOut(new PrintWriter(new StringWriter(), true));
        commandLine.setErr(new PrintWriter(err, true));
        AtomicInteger exit = new AtomicInteger(-1);
        Thread teacher = new Thread(() -> exit.set(commandLine.execute(
                "teacher",
                "--bootstrap",
                broker.bootstrapServers(),
                "--model-size",
                "tiny",
                "--context",
                "16",
                "--http-port",
                "0",
                "--application-id",
                "cli-teacher",
                "--input-topic",
                "cli-teacher.text",
                "--output-topic",
                "cli-teacher.soft-labels",
                "--dead-letter-topic",
                "cli-teacher.dead-letters")));
        teacher.start();
        try {
            var records =
                    TopicReader.read(broker.bootstrapServers(), "cli-teacher.soft-labels", 3, Duration.ofSeconds(90));
            assertEquals(3, records.size(), err.toString()); // three lines of at most 16 positions: one window each
            var serde = DistillSerdes.softLabels();
            for (var r : records) {
                SoftLabels labels = serde.decode(r.value());
                assertEquals(
                        "sampled:12",
                        labels.getCodec().getKind().name().toLowerCase() + ":"
                                + labels.getCodec().getSize());
                assertEquals("random-tiny", labels.getTeacher().getModelId());
                byte[] payload = new byte[labels.getPayload().remaining()];
                labels.getPayload().duplicate().get(payload);
                Codec.fromWire(
                                labels.getCodec().getKind().name(),
                                labels.getCodec().getSize())
                        .decode(payload, labels.getTokens().size() - 1, ByteTokenizer.VOCAB_SIZE);
            }

            Matcher port = Pattern.compile("http://localhost:(\\d+)/healthz").matcher(err.toString());
            assertTrue(port.find(), err.toString());
            HttpResponse<String> health = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port.group(1) + "/healthz"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertEquals(200, health.statusCode(), health.body());
        } finally {
            teacher.interrupt(); // what SIGTERM does to the real process: close and return
            teacher.join(60_000);
        }
        assertEquals(0, exit.get(), err.toString());
    }
}
