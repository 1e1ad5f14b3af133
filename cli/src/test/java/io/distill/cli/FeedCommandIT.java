package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.TextSample;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** `distill feed` against a real broker, read back by a plain Kafka consumer. */
@ExtendWith(KafkaBrokerExtension.class)
class FeedCommandIT {
    private final EmbeddedKafkaBroker broker;

    FeedCommandIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void linesBecomeTextSamplesWithStableIds(@TempDir Path dir) throws Exception {
        List<String> lines = IntStream.range(0, 500)
                .mapToObj(i -> "line " + i + " — ünïcödé")
                .toList();
        Path file = Files.write(dir.resolve("lines.txt"), lines, StandardCharsets.UTF_8);

        CliRun run =
                CliRun.of("feed", "--bootstrap", broker.bootstrapServers(), "--topic", "feed-lines", file.toString());

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("fed 500 records"), run.out());
        List<TextSample> samples = readSamples("feed-lines", 500);
        assertEquals(500, samples.size());
        samples.sort(Comparator.comparingInt(
                s -> Integer.parseInt(s.getId().substring(s.getId().lastIndexOf(':') + 1))));
        for (int i = 0; i < 500; i++) {
            assertEquals(file + ":" + (i + 1), samples.get(i).getId());
            assertEquals(lines.get(i), samples.get(i).getText());
            assertEquals(file.toString(), samples.get(i).getSource());
        }
    }

    @Test
    void paragraphsAndStdinNameTheirSource(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("p.txt"), "one\ntwo\n\nthree\n", StandardCharsets.UTF_8);

        CliRun run = CliRun.of(
                "feed",
                "--bootstrap",
                broker.bootstrapServers(),
                "--topic",
                "feed-paragraphs",
                "--split",
                "paragraphs",
                file.toString());

        assertEquals(0, run.exitCode(), run.err());
        List<TextSample> samples = readSamples("feed-paragraphs", 2);
        assertEquals(
                List.of("one\ntwo\n", "three\n"),
                samples.stream().map(TextSample::getText).sorted().toList());
    }

    @Test
    void invalidUtf8InputIsRefusedInOneLine(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("latin1.txt"), "caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

        CliRun run =
                CliRun.of("feed", "--bootstrap", broker.bootstrapServers(), "--topic", "feed-bad", file.toString());

        assertEquals(CliException.BAD_INPUT, run.exitCode());
        assertEquals(1, run.errLines().length, run.err());
        assertTrue(run.err().contains("is not UTF-8 text"), run.err());
    }

    @Test
    void oversizedDocumentsAreRefusedWithAHint(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("big.txt"), "x".repeat(5000), StandardCharsets.UTF_8);

        CliRun run = CliRun.of(
                "feed",
                "--bootstrap",
                broker.bootstrapServers(),
                "--topic",
                "feed-big",
                "--split",
                "file",
                "--max-record-bytes",
                "1000",
                file.toString());

        assertEquals(CliException.BAD_INPUT, run.exitCode());
        assertTrue(run.err().contains("over --max-record-bytes"), run.err());
    }

    private List<TextSample> readSamples(String topic, int expected) {
        var serde = DistillSerdes.textSample();
        return new ArrayList<>(
                TopicReader.read(broker.bootstrapServers(), topic, expected, Duration.ofSeconds(30)).stream()
                        .map(r -> {
                            TextSample sample = serde.decode(r.value());
                            assertEquals(sample.getId(), new String(r.key(), StandardCharsets.UTF_8), "key is the id");
                            return sample;
                        })
                        .toList());
    }
}
