package io.distill.trainer;

import io.distill.schemas.DeadLetter;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends rejected records to the dead-letter topic, counted by reason. A send fails later, on the producer's thread:
 * the first failure is kept and stops the trainer at the next send or {@link #flush}. A checkpoint flushes first,
 * so every dead letter its offsets skip has been delivered (at least once: a crash between the send and the
 * checkpoint sends it again).
 */
final class DeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    static final String STAGE = "trainer";

    private final String topic;
    private final Producer<byte[], byte[]> producer;
    private final TrainerMetrics metrics;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    DeadLetters(String topic, Producer<byte[], byte[]> producer, TrainerMetrics metrics) {
        this.topic = topic;
        this.producer = producer;
        this.metrics = metrics;
    }

    void send(ConsumerRecord<byte[], byte[]> record, SoftLabelReader.Rejected rejected) {
        Exception earlier = failure.get();
        if (earlier != null) {
            throw new KafkaException("cannot deliver to " + topic + ": " + earlier, earlier);
        }
        LOG.warn(
                "dead letter {}-{}@{}: {} {}",
                record.topic(),
                record.partition(),
                record.offset(),
                rejected.reason(),
                rejected.detail());
        DeadLetter letter = DeadLetter.of(STAGE, rejected.reason(), rejected.detail(), record);
        producer.send(letter.toProducerRecord(topic), (meta, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
        metrics.deadLetter(rejected.reason());
    }

    /** Waits until every dead letter sent so far is delivered. */
    void flush() throws IOException {
        producer.flush();
        Exception e = failure.get();
        if (e != null) {
            throw new IOException("cannot deliver to " + topic + ": " + e, e);
        }
    }
}
