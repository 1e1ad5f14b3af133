package io.distill.bench;

import java.util.List;
import java.util.OptionalDouble;

/**
 * Where a holdout curve first reaches a bits-per-byte target. The curve is measured only at evaluations, so the
 * crossing is interpolated linearly between the last evaluation above the target and the first at or below it,
 * and given as a position along the curve: 2.25 is a quarter of the way from evaluation 2 to evaluation 3. Any
 * quantity that grows along the curve (training time on either clock, tokens, labelling time) is then read at that
 * position with {@link #valueAt}, so every clock gives its time to the same point of training.
 */
public final class TargetCrossing {
    private TargetCrossing() {}

    /**
     * The position at which {@code bitsPerByte} (one value per evaluation, in order) first reaches {@code target},
     * i.e. is at or below it; empty if it never does. A curve whose first evaluation already meets the target is
     * at position 0.
     */
    public static OptionalDouble position(List<Double> bitsPerByte, double target) {
        for (int i = 0; i < bitsPerByte.size(); i++) {
            double now = bitsPerByte.get(i);
            if (now <= target) {
                if (i == 0) {
                    return OptionalDouble.of(0);
                }
                double before = bitsPerByte.get(i - 1);
                // before > target >= now, so the fraction is in (0, 1]
                return OptionalDouble.of(i - 1 + (before - target) / (before - now));
            }
        }
        return OptionalDouble.empty();
    }

    /** {@code values} (one per evaluation) read at {@code position}, linearly between evaluations. */
    public static double valueAt(List<Double> values, double position) {
        if (!(position >= 0 && position <= values.size() - 1)) {
            throw new IllegalArgumentException(
                    "position " + position + " is outside a curve of " + values.size() + " evaluations");
        }
        int i = (int) Math.floor(position);
        if (i == values.size() - 1) {
            return values.get(i);
        }
        double f = position - i;
        return values.get(i) + f * (values.get(i + 1) - values.get(i));
    }
}
