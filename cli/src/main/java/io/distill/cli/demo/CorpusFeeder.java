package io.distill.cli.demo;

import io.distill.schemas.AvroSerde;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.TextSample;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Feeds the demo corpus to the text topic, epoch after epoch, as documents of about {@link #DOCUMENT_BYTES} cut
 * at line ends. It waits for the teacher to take in one epoch before sending the next, so the teacher's backlog
 * stays small and the student keeps receiving fresh labels until the demo ends.
 */
final class CorpusFeeder implements Runnable {
    static final int DOCUMENT_BYTES = 2048;

    private final Properties kafka;
    private final String topic;
    private final List<String> documents;
    private final LongSupplier teacherRecordsIn;
    private volatile boolean stopped;
    private volatile long fed;

    /**
     * @param teacherRecordsIn how many records the teacher has taken in so far (-1 when unknown)
     */
    CorpusFeeder(Properties kafka, String topic, String text, LongSupplier teacherRecordsIn) {
        this.kafka = kafka;
        this.topic = topic;
        this.documents = split(text);
        this.teacherRecordsIn = teacherRecordsIn;
    }

    static List<String> split(String text) {
        List<String> documents = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int end = Math.min(text.length(), start + DOCUMENT_BYTES);
            int newline = text.lastIndexOf('\n', end);
            if (end < text.length() && newline > start) {
                end = newline + 1;
            }
            String document = text.substring(start, end);
            if (!document.isBlank()) {
                documents.add(document);
            }
            start = end;
        }
        return documents;
    }

    long fed() {
        return fed;
    }

    int documentsPerEpoch() {
        return documents.size();
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        AvroSerde<TextSample> serde = DistillSerdes.textSample();
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int epoch = 1; !stopped; epoch++) {
                for (int i = 0; i < documents.size() && !stopped; i++) {
                    String id = "demo-epoch" + epoch + "-" + i;
                    TextSample sample = TextSample.newBuilder()
                            .setId(id)
                            .setText(documents.get(i))
                            .setSource("demo corpus, epoch " + epoch)
                            .setCreatedAt(Instant.now())
                            .build();
                    producer.send(
                            new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), serde.encode(sample)));
                    fed++;
                }
                producer.flush();
                while (!stopped && teacherRecordsIn.getAsLong() < fed - documents.size() / 10) {
                    Thread.sleep(500);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
