package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.kafkakit.KafkaBrokerExtension;
import io.distill.schemas.AvroDecodeException;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.TextSample;
import io.distill.schemas.TextValueDecoder;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interop with kcat, a real non-Java Kafka client (librdkafka): what kcat sends is accepted as text, and kcat reads
 * what `distill feed` wrote. CI installs kcat; elsewhere the test is skipped when kcat is missing.
 */
@ExtendWith(KafkaBrokerExtension.class)
class KcatInteropIT {
    private final EmbeddedKafkaBroker broker;

    KcatInteropIT(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    @BeforeAll
    static void requireKcat() {
        boolean inCi = "true".equals(System.getenv("CI"));
        boolean present = Files.isExecutable(Path.of("/usr/bin/kcat"));
        if (inCi && !present) {
            throw new IllegalStateException("kcat is not installed; .ci/run should install it");
        }
        assumeTrue(present, "kcat is not installed (apt-get install kcat)");
    }

    @Test
    void plainUtf8FromKcatIsAcceptedAsText(@TempDir Path dir) throws Exception {
        Path input =
                Files.writeString(dir.resolve("in.txt"), "k1:hello from kcat\nk2:ça marche\n", StandardCharsets.UTF_8);

        kcat(input, "-P", "-t", "kcat-text", "-K", ":");

        List<ConsumerRecord<byte[], byte[]>> records =
                TopicReader.read(broker.bootstrapServers(), "kcat-text", 2, Duration.ofSeconds(30));
        var decoder = new TextValueDecoder();
        List<String> decoded = new ArrayList<>();
        for (var r : records) {
            TextSample sample = decoder.decode(
                    r.key(), r.value(), r.topic() + "-" + r.partition() + "-" + r.offset(), r.timestamp());
            decoded.add(sample.getId() + "=" + sample.getText());
        }
        assertEquals(List.of("k1=hello from kcat", "k2=ça marche"), decoded);
    }

    @Test
    void invalidUtf8FromKcatIsRejectedWithAReason(@TempDir Path dir) throws Exception {
        Path input = Files.write(dir.resolve("bad.bin"), new byte[] {'o', 'k', (byte) 0xFF, (byte) 0xFE});

        kcat(input, "-P", "-t", "kcat-bad", "-D", "\u0001");

        var records = TopicReader.read(broker.bootstrapServers(), "kcat-bad", 1, Duration.ofSeconds(30));
        assertEquals(1, records.size());
        var e = assertThrows(AvroDecodeException.class, () -> new TextValueDecoder()
                .decode(null, records.get(0).value(), "id", 0));
        assertEquals(AvroDecodeException.Reason.INVALID_UTF8, e.reason());
    }

    @Test
    void kcatReadsWhatFeedWrote(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("doc.txt"), "alpha\nbeta\ngamma\n", StandardCharsets.UTF_8);
        CliRun run =
                CliRun.of("feed", "--bootstrap", broker.bootstrapServers(), "--topic", "kcat-feed", file.toString());
        assertEquals(0, run.exitCode(), run.err());

        // %R is the value length as a 32-bit big-endian prefix, then the raw value bytes: exact binary framing.
        byte[] output = kcat(null, "-C", "-t", "kcat-feed", "-o", "beginning", "-e", "-c", "3", "-f", "%R%s");

        var serde = DistillSerdes.textSample();
        List<String> texts = new ArrayList<>();
        try (var in = new DataInputStream(new ByteArrayInputStream(output))) {
            while (in.available() > 0) {
                byte[] value = new byte[in.readInt()];
                in.readFully(value);
                texts.add(serde.decode(value).getText());
            }
        }
        assertEquals(List.of("alpha", "beta", "gamma"), texts.stream().sorted().toList());
    }

    private byte[] kcat(Path stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kcat", "-b", broker.bootstrapServers(), "-q"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        if (stdin != null) {
            builder.redirectInput(stdin.toFile());
        }
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "kcat did not finish");
        assertEquals(0, process.exitValue(), "kcat " + String.join(" ", args));
        return output;
    }
}
