package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class PublishGateTest {

    @Test
    void withoutAPercentageEverythingIsPublished() {
        PublishGate gate = new PublishGate(OptionalDouble.empty());
        gate.published(OptionalDouble.of(1.0));
        assertTrue(gate.decide(OptionalDouble.of(100.0)).publish());
    }

    @Test
    void holdsBackARegressionBeyondThePercentageOfTheBestPublished() {
        PublishGate gate = new PublishGate(OptionalDouble.of(5));
        assertTrue(gate.decide(OptionalDouble.of(2.0)).publish(), "the first one sets the bar");
        gate.published(OptionalDouble.of(2.0));
        assertTrue(gate.decide(OptionalDouble.of(2.1)).publish(), "exactly +5% passes");
        PublishGate.Decision worse = gate.decide(OptionalDouble.of(2.11));
        assertFalse(worse.publish());
        assertTrue(worse.reason().contains("regressed"), worse.reason());
        gate.published(OptionalDouble.of(1.5)); // a better one was published: the bar moves down
        assertFalse(gate.decide(OptionalDouble.of(1.6)).publish());
        gate.published(OptionalDouble.of(1.9)); // a worse one published does not raise the bar
        assertEquals(1.5, gate.best().getAsDouble());
    }

    @Test
    void zeroPercentAllowsNoRegressionAtAll() {
        PublishGate gate = new PublishGate(OptionalDouble.of(0));
        gate.published(OptionalDouble.of(2.0));
        assertTrue(gate.decide(OptionalDouble.of(2.0)).publish());
        assertFalse(gate.decide(OptionalDouble.of(2.0001)).publish());
    }

    @Test
    void withoutHoldoutFiguresThereIsNothingToJudge() {
        PublishGate gate = new PublishGate(OptionalDouble.of(1));
        gate.published(OptionalDouble.of(2.0));
        assertTrue(gate.decide(OptionalDouble.empty()).publish());
    }
}
