package io.distill.lm;

import java.time.Duration;
import java.util.Locale;

/** How elapsed times and ETAs read in progress lines and benchmark tables: the one place for it. */
public final class Durations {
    private Durations() {}

    /** m:ss, or h:mm:ss from an hour on, to the nearest second. */
    public static String clock(Duration d) {
        long s = Math.round(d.toMillis() / 1000.0);
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
