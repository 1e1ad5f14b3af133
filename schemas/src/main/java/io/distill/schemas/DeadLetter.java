package io.distill.schemas;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A record no stage could process, as it goes to the dead-letter topic: the original key and value bytes untouched,
 * and headers saying which stage gave up, why, and where the record came from.
 */
public record DeadLetter(
        String stage,
        String reason,
        String detail,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        byte[] key,
        byte[] value) {

    public static final String STAGE = "distill.stage";
    public static final String REASON = "distill.reason";
    public static final String DETAIL = "distill.detail";
    public static final String SOURCE_TOPIC = "distill.source.topic";
    public static final String SOURCE_PARTITION = "distill.source.partition";
    public static final String SOURCE_OFFSET = "distill.source.offset";

    /** The detail header is cut to this many characters so one bad record cannot make a huge header. */
    static final int MAX_DETAIL_CHARS = 1000;

    public static DeadLetter of(String stage, String reason, String detail, ConsumerRecord<byte[], byte[]> source) {
        return new DeadLetter(
                stage,
                reason,
                detail,
                source.topic(),
                source.partition(),
                source.offset(),
                source.key(),
                source.value());
    }

    public Headers headers() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(STAGE, utf8(stage));
        headers.add(REASON, utf8(reason));
        String cut = detail.length() > MAX_DETAIL_CHARS ? detail.substring(0, MAX_DETAIL_CHARS) : detail;
        headers.add(DETAIL, utf8(cut));
        headers.add(SOURCE_TOPIC, utf8(sourceTopic));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(sourcePartition)));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(sourceOffset)));
        return headers;
    }

    public ProducerRecord<byte[], byte[]> toProducerRecord(String deadLetterTopic) {
        return new ProducerRecord<>(deadLetterTopic, null, null, key, value, headers());
    }

    /** Reads one header of a dead-letter record as text, or null when absent. */
    public static String header(Headers headers, String name) {
        var header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
