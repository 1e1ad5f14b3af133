package io.distill.trainer;

import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Holds back a checkpoint whose holdout bits/byte is worse than the best one published so far by more than a set
 * percentage, so that consumers following the topic never hot-reload a model that got clearly worse (a bad batch
 * of soft labels, a diverging run). Without a percentage every checkpoint is published; without holdout figures
 * (no held-out window seen yet) there is nothing to judge by, and the checkpoint is published.
 *
 * <p>The best figure is this process's: after a restart the first checkpoint with figures sets it again.
 */
final class PublishGate {

    /** @param reason one line for the log */
    record Decision(boolean publish, String reason) {}

    private final OptionalDouble maxRegressionPercent;
    private OptionalDouble best = OptionalDouble.empty();

    PublishGate(OptionalDouble maxRegressionPercent) {
        this.maxRegressionPercent = maxRegressionPercent;
    }

    Decision decide(OptionalDouble bitsPerByte) {
        if (maxRegressionPercent.isEmpty()) {
            return new Decision(true, "no publish gate");
        }
        if (bitsPerByte.isEmpty()) {
            return new Decision(true, "no holdout figures yet, nothing to gate on");
        }
        if (best.isEmpty()) {
            return new Decision(true, "first checkpoint with holdout figures");
        }
        double limit = best.getAsDouble() * (1 + maxRegressionPercent.getAsDouble() / 100);
        double value = bitsPerByte.getAsDouble();
        String figures = String.format(
                Locale.ROOT,
                "holdout %.4f bits/byte, best published %.4f, limit %.4f (+%s%%)",
                value,
                best.getAsDouble(),
                limit,
                maxRegressionPercent.getAsDouble());
        return value <= limit ? new Decision(true, figures) : new Decision(false, "regressed: " + figures);
    }

    /** A checkpoint with these figures was published. */
    void published(OptionalDouble bitsPerByte) {
        if (bitsPerByte.isPresent() && (best.isEmpty() || bitsPerByte.getAsDouble() < best.getAsDouble())) {
            best = bitsPerByte;
        }
    }

    OptionalDouble best() {
        return best;
    }
}
