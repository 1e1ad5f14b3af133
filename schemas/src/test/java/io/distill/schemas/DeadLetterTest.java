package io.distill.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class DeadLetterTest {

    @Test
    void keepsTheOriginalBytesAndSaysWhereAndWhy() {
        var source = new ConsumerRecord<>("distill.text", 2, 41L, new byte[] {1}, new byte[] {(byte) 0xFF, 0});
        var record = DeadLetter.of("teacher", "INVALID_UTF8", "byte 0 is 0xFF", source)
                .toProducerRecord(Topics.DEAD_LETTERS);

        assertEquals(Topics.DEAD_LETTERS, record.topic());
        assertArrayEquals(new byte[] {1}, record.key());
        assertArrayEquals(new byte[] {(byte) 0xFF, 0}, record.value());
        assertEquals("teacher", DeadLetter.header(record.headers(), DeadLetter.STAGE));
        assertEquals("INVALID_UTF8", DeadLetter.header(record.headers(), DeadLetter.REASON));
        assertEquals("distill.text", DeadLetter.header(record.headers(), DeadLetter.SOURCE_TOPIC));
        assertEquals("2", DeadLetter.header(record.headers(), DeadLetter.SOURCE_PARTITION));
        assertEquals("41", DeadLetter.header(record.headers(), DeadLetter.SOURCE_OFFSET));
    }

    @Test
    void anOversizedKeyAndValueGoAsABoundedPrefixWithLengthAndSha256() throws Exception {
        byte[] value = new byte[5 * 1024 * 1024];
        new java.util.Random(11).nextBytes(value);
        byte[] key = new byte[DeadLetter.MAX_KEY_BYTES + 1];
        var source = new ConsumerRecord<>("distill.text", 0, 9L, key, value);

        var record = DeadLetter.of("teacher", "OVERSIZED", "too big", source).toProducerRecord(Topics.DEAD_LETTERS);

        assertArrayEquals(java.util.Arrays.copyOf(value, DeadLetter.MAX_VALUE_BYTES), record.value());
        assertArrayEquals(java.util.Arrays.copyOf(key, DeadLetter.MAX_KEY_BYTES), record.key());
        var sha = java.security.MessageDigest.getInstance("SHA-256");
        assertEquals(
                java.util.HexFormat.of().formatHex(sha.digest(value)),
                DeadLetter.header(record.headers(), DeadLetter.VALUE_SHA256));
        assertEquals(Integer.toString(value.length), DeadLetter.header(record.headers(), DeadLetter.VALUE_LENGTH));
        assertEquals(
                java.util.HexFormat.of().formatHex(sha.digest(key)),
                DeadLetter.header(record.headers(), DeadLetter.KEY_SHA256));
        assertEquals(Integer.toString(key.length), DeadLetter.header(record.headers(), DeadLetter.KEY_LENGTH));
    }

    @Test
    void recordsWithinTheBoundsCarryNoTruncationHeaders() {
        byte[] value = new byte[DeadLetter.MAX_VALUE_BYTES];
        var source = new ConsumerRecord<>("t", 0, 0L, new byte[DeadLetter.MAX_KEY_BYTES], value);
        var record = DeadLetter.of("s", "r", "d", source).toProducerRecord(Topics.DEAD_LETTERS);

        assertEquals(value, record.value());
        assertEquals(null, DeadLetter.header(record.headers(), DeadLetter.VALUE_LENGTH));
        assertEquals(null, DeadLetter.header(record.headers(), DeadLetter.KEY_LENGTH));
    }

    @Test
    void longDetailsAreCut() {
        var source = new ConsumerRecord<>("t", 0, 0L, (byte[]) null, new byte[0]);
        var headers = DeadLetter.of("s", "r", "x".repeat(5000), source).headers();

        assertEquals(
                DeadLetter.MAX_DETAIL_CHARS,
                DeadLetter.header(headers, DeadLetter.DETAIL).length());
    }
}
