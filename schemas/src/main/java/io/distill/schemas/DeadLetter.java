package io.distill.schemas;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A record no stage could process, as it goes to the dead-letter topic: the original key and value bytes untouched,
 * and headers saying which stage gave up, why, and where the record came from.
 *
 * <p>A key or value larger than {@link #MAX_KEY_BYTES} / {@link #MAX_VALUE_BYTES} is not forwarded whole: a topic
 * whose size limit was raised can hold records the dead-letter producer cannot send, and a send failure there would
 * stop the service on the same record after every restart. Such a letter carries a prefix of that size, and headers
 * with the original length and the sha256 of the whole original bytes.
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

    public static final String VALUE_LENGTH = "distill.value.length";
    public static final String VALUE_SHA256 = "distill.value.sha256";
    public static final String KEY_LENGTH = "distill.key.length";
    public static final String KEY_SHA256 = "distill.key.sha256";

    /** Values up to this size are forwarded whole; larger ones as a prefix of this size. */
    public static final int MAX_VALUE_BYTES = 64 * 1024;
    /** Keys up to this size are forwarded whole; larger ones as a prefix of this size. */
    public static final int MAX_KEY_BYTES = 4 * 1024;

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
        if (value != null && value.length > MAX_VALUE_BYTES) {
            headers.add(VALUE_LENGTH, utf8(Integer.toString(value.length)));
            headers.add(VALUE_SHA256, utf8(sha256(value)));
        }
        if (key != null && key.length > MAX_KEY_BYTES) {
            headers.add(KEY_LENGTH, utf8(Integer.toString(key.length)));
            headers.add(KEY_SHA256, utf8(sha256(key)));
        }
        return headers;
    }

    /** The key as forwarded: whole, or its first {@link #MAX_KEY_BYTES} bytes. */
    public byte[] boundedKey() {
        return prefix(key, MAX_KEY_BYTES);
    }

    /** The value as forwarded: whole, or its first {@link #MAX_VALUE_BYTES} bytes. */
    public byte[] boundedValue() {
        return prefix(value, MAX_VALUE_BYTES);
    }

    public ProducerRecord<byte[], byte[]> toProducerRecord(String deadLetterTopic) {
        return new ProducerRecord<>(deadLetterTopic, null, null, boundedKey(), boundedValue(), headers());
    }

    private static byte[] prefix(byte[] bytes, int max) {
        return bytes == null || bytes.length <= max ? bytes : Arrays.copyOf(bytes, max);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
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
