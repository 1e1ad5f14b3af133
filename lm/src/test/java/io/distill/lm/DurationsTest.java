package io.distill.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void clockShowsMinutesThenHours() {
        assertEquals("0:00", Durations.clock(Duration.ZERO));
        assertEquals("0:02", Durations.clock(Duration.ofMillis(1_600)));
        assertEquals("59:59", Durations.clock(Duration.ofSeconds(3599)));
        assertEquals("1:00:00", Durations.clock(Duration.ofHours(1)));
        assertEquals("26:03:04", Durations.clock(Duration.ofSeconds(26 * 3600 + 3 * 60 + 4)));
    }
}
