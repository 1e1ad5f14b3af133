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
    void longDetailsAreCut() {
        var source = new ConsumerRecord<>("t", 0, 0L, (byte[]) null, new byte[0]);
        var headers = DeadLetter.of("s", "r", "x".repeat(5000), source).headers();

        assertEquals(
                DeadLetter.MAX_DETAIL_CHARS,
                DeadLetter.header(headers, DeadLetter.DETAIL).length());
    }
}
