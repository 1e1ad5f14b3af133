package io.distill.cli;

import io.distill.schemas.AvroSerde;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.TextSample;
import io.distill.schemas.TopicSetup;
import io.distill.schemas.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

@Command(
        name = "feed",
        description = {
            "Send text files to the input topic as TextSample records, for the teacher service to label.",
            "",
            "Each document gets the id FILE:N (its position in the file), which is also the record key, so "
                    + "feeding the same file twice gives the same ids. The producer is idempotent: a retry never "
                    + "doubles a record. Progress (records/s, MB/s) goes to stderr, the summary to stdout. The "
                    + "topic is created if it is missing.",
            "",
            "Examples:",
            "  distill feed README.md",
            "  distill feed --split paragraphs book.txt notes.txt",
            "  cat log.txt | distill feed --topic my.text -",
            ""
        })
final class FeedCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--topic",
            paramLabel = "TOPIC",
            defaultValue = Topics.TEXT,
            description = "Topic to send to (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(
            names = "--split",
            defaultValue = "lines",
            paramLabel = "lines|paragraphs|file",
            converter = SplitConverter.class,
            description = "How to cut input into documents: every non-blank line, blank-line separated paragraphs, "
                    + "or each whole file (default: ${DEFAULT-VALUE}).")
    TextSplitter split;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "4",
            description = "Partitions of the topic if feed has to create it; at most this many teacher instances "
                    + "can share the work (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(
            names = "--max-record-bytes",
            paramLabel = "BYTES",
            defaultValue = "900000",
            description = "Refuse documents larger than this many bytes of UTF-8; Kafka's default limit is 1 MB "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxRecordBytes;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Text files (UTF-8) to send; - reads stdin.")
    List<String> files;

    private final AvroSerde<TextSample> serde = DistillSerdes.textSample();

    @Override
    public Integer call() throws Exception {
        for (String file : files) {
            if (!file.equals("-") && !Files.isReadable(Path.of(file))) {
                throw new CliException(
                        CliException.BAD_INPUT,
                        (Files.exists(Path.of(file)) ? "cannot read " : "no such file: ") + file);
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        try (Admin admin = kafka.connectAdmin()) {
            TopicSetup.ensure(admin, List.of(new TopicSetup.Spec(topic, partitions, false)), kafka.timeout.toMillis());
        } catch (ExecutionException | TimeoutException e) {
            throw new CliException(
                    CliException.FAILED,
                    "cannot create topic " + topic + ": "
                            + KafkaRefusal.describe(e).orElse(e.getMessage())
                            + " (without DESCRIBE on an existing topic, it looks missing)",
                    e);
        }
        ProgressMeter meter = new ProgressMeter("feed", err, 2_000_000_000L);
        AtomicReference<Exception> sendError = new AtomicReference<>();
        try (var producer =
                new KafkaProducer<>(producerProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (String file : files) {
                feedOne(file, producer, meter, sendError);
            }
            producer.flush();
        }
        if (sendError.get() != null) {
            throw new CliException(
                    CliException.FAILED,
                    "sending to " + topic + " failed: " + sendError.get().getMessage());
        }
        spec.commandLine().getOut().println("fed " + meter.summary() + " to " + topic);
        return 0;
    }

    private void feedOne(
            String file,
            KafkaProducer<byte[], byte[]> producer,
            ProgressMeter meter,
            AtomicReference<Exception> sendError)
            throws IOException {
        String source = file.equals("-") ? "stdin" : file;
        int[] index = {0};
        try (BufferedReader reader = open(file)) {
            split.split(reader, text -> {
                index[0]++;
                String id = source + ":" + index[0];
                byte[] value = serde.encode(TextSample.newBuilder()
                        .setId(id)
                        .setText(text)
                        .setSource(source)
                        .setCreatedAt(Instant.now())
                        .build());
                if (value.length > maxRecordBytes) {
                    throw new CliException(
                            CliException.BAD_INPUT,
                            String.format(
                                    "document %s is %,d bytes, over --max-record-bytes %,d; try --split lines or paragraphs",
                                    id, value.length, maxRecordBytes));
                }
                if (sendError.get() != null) {
                    throw new CliException(
                            CliException.FAILED,
                            "sending to " + topic + " failed: "
                                    + sendError.get().getMessage());
                }
                producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), value), (meta, e) -> {
                    if (e != null) {
                        sendError.compareAndSet(null, e);
                    }
                });
                meter.add(value.length);
            });
        } catch (MalformedInputException e) {
            throw new CliException(
                    CliException.BAD_INPUT, source + " is not UTF-8 text (after document " + index[0] + ")");
        }
    }

    private static BufferedReader open(String file) throws IOException {
        var input = file.equals("-") ? System.in : Files.newInputStream(Path.of(file));
        var decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        return new BufferedReader(new InputStreamReader(input, decoder), 1 << 16);
    }

    private Properties producerProperties() {
        Properties props = kafka.clientProperties();
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // One request in flight: on a just-created topic the broker can refuse a first batch yet append a later
        // one, leaving an idempotent producer stuck on OUT_OF_ORDER_SEQUENCE_NUMBER (seen in FeedCommandIT).
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) kafka.timeout.toMillis());
        int requestTimeoutMs = (int) Math.min(kafka.timeout.toMillis(), 30_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, requestTimeoutMs);
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms; two attempts' worth bounds a stall.
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 2 * requestTimeoutMs + 10);
        return props;
    }

    /** Accepts the split mode in lower case, as the help shows it. */
    static final class SplitConverter implements ITypeConverter<TextSplitter> {
        @Override
        public TextSplitter convert(String value) {
            try {
                return TextSplitter.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not one of lines, paragraphs, file");
            }
        }
    }
}
