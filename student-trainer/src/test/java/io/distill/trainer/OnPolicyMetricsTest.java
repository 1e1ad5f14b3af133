package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OnPolicyMetricsTest {

    @Test
    void theRatioAndTheLagAppearOnceKnownWithPrometheusNames() {
        TrainerMetrics all = new TrainerMetrics("s");
        OnPolicyMetrics m = all.onPolicy();
        String before = all.prometheus();
        assertTrue(before.contains("distill_trainer_samples_produced_total{student=\"s\"} 0.0"), before);
        assertTrue(before.contains("distill_trainer_samples_skipped_total{student=\"s\"} 0.0"), before);
        assertFalse(before.contains("distill_trainer_on_policy_ratio"), "no sample while unknown");
        assertFalse(before.contains("distill_trainer_policy_lag_steps"), "no sample while unknown");

        m.trained(30, 10);
        m.accepted(3);
        m.produced(2);
        m.skipped();
        String after = all.prometheus();
        assertTrue(after.contains("distill_trainer_on_policy_ratio{student=\"s\"} 0.25"), after);
        assertTrue(after.contains("distill_trainer_policy_lag_steps{student=\"s\"} 3.0"), after);
        assertTrue(after.contains("distill_trainer_on_policy_tokens_total{student=\"s\"} 10.0"), after);
        assertTrue(after.contains("distill_trainer_samples_produced_total{student=\"s\"} 2.0"), after);
        assertEquals(1, m.samplesSkipped());
    }
}
