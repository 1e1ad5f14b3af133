package io.distill.trainer;

import io.distill.schemas.DeadLetter;
import java.io.IOException;
import java.util.List;
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
    /** The reason of windows no step could train. */
    static final String UNTRAINABLE = "UNTRAINABLE";

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
        send(DeadLetter.of(STAGE, rejected.reason(), rejected.detail(), record));
    }

    private void send(DeadLetter letter) {
        Exception earlier = failure.get();
        if (earlier != null) {
            throw new KafkaException("cannot deliver to " + topic + ": " + earlier, earlier);
        }
        LOG.warn(
                "dead letter {}-{}@{}: {} {}",
                letter.sourceTopic(),
                letter.sourcePartition(),
                letter.sourceOffset(),
                letter.reason(),
                letter.detail());
        producer.send(letter.toProducerRecord(topic), (meta, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
        metrics.deadLetter(letter.reason());
    }

    /**
     * Windows that were read but no step could train (a batch set aside by {@link BatchTrainer}): each record goes
     * to the dead-letter topic as {@link #UNTRAINABLE}, with why.
     */
    void untrainable(List<TrainingWindow> windows, String why) {
        for (TrainingWindow w : windows) {
            String detail = "window " + w.window() + " of sample '" + w.sampleId() + "': " + why;
            send(new DeadLetter(
                    STAGE,
                    UNTRAINABLE,
                    detail,
                    w.source().topic(),
                    w.source().partition(),
                    w.offset(),
                    w.key(),
                    w.value()));
        }
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
