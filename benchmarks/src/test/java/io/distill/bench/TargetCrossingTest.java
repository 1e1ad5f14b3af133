package io.distill.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** Reading the time to a target off a holdout curve measured at evaluations. */
class TargetCrossingTest {
    private static final double EPS = 1e-12;

    @Test
    void interpolatesBetweenTheLastEvaluationAboveAndTheFirstAtOrBelow() {
        List<Double> bits = List.of(8.0, 5.0, 4.0, 3.0);
        List<Double> seconds = List.of(0.0, 10.0, 20.0, 30.0);

        OptionalDouble at = TargetCrossing.position(bits, 3.75);

        // a quarter of the way from 4.0 (evaluation 2) to 3.0 (evaluation 3)
        assertEquals(2.25, at.orElseThrow(), EPS);
        assertEquals(22.5, TargetCrossing.valueAt(seconds, at.orElseThrow()), EPS);
    }

    @Test
    void theFirstCrossingCountsEvenIfTheCurveRisesAgain() {
        List<Double> bits = List.of(8.0, 4.0, 2.0, 5.0, 1.0);

        assertEquals(1.5, TargetCrossing.position(bits, 3.0).orElseThrow(), EPS);
    }

    @Test
    void aTargetMetExactlyAtAnEvaluationIsThatEvaluation() {
        List<Double> bits = List.of(8.0, 6.0, 4.0);

        assertEquals(2.0, TargetCrossing.position(bits, 4.0).orElseThrow(), EPS);
        assertEquals(300.0, TargetCrossing.valueAt(List.of(100.0, 200.0, 300.0), 2.0), EPS, "the last point itself");
    }

    @Test
    void reachedBetweenTheStartAndTheFirstEvaluation() {
        List<Double> bits = List.of(8.0, 2.0, 1.5);
        List<Double> tokens = List.of(0.0, 1000.0, 2000.0);

        double at = TargetCrossing.position(bits, 6.0).orElseThrow();

        assertEquals(1.0 / 3, at, EPS);
        assertEquals(1000.0 / 3, TargetCrossing.valueAt(tokens, at), 1e-9);
    }

    @Test
    void aCurveThatStartsAtTheTargetIsThereAtTimeZero() {
        assertEquals(0.0, TargetCrossing.position(List.of(3.0, 2.0), 3.5).orElseThrow(), EPS);
    }

    @Test
    void neverReachedIsEmptyNotExtrapolated() {
        List<Double> bits = List.of(8.0, 5.0, 4.0, 3.5, 3.2);

        assertTrue(TargetCrossing.position(bits, 3.0).isEmpty());
        assertTrue(TargetCrossing.position(List.of(), 3.0).isEmpty());
    }

    @Test
    void aPositionOffTheCurveIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> TargetCrossing.valueAt(List.of(1.0, 2.0), 1.5));
        assertThrows(IllegalArgumentException.class, () -> TargetCrossing.valueAt(List.of(1.0, 2.0), -0.1));
        assertThrows(IllegalArgumentException.class, () -> TargetCrossing.valueAt(List.of(1.0, 2.0), Double.NaN));
    }
}
