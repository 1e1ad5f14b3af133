package io.distill.lm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.RepeatedText;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MagnitudePrunerTest {

    private static final String TEXT = "pruned weights must stay pruned while the rest learn. ";

    private NDManager m;
    private Gpt gpt;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(17);
        gpt = Gpt.create(LmConfig.named("tiny"), m);
    }

    @AfterEach
    void close() {
        m.close();
    }

    @Test
    void prunesTheLinearWeightsOnly() {
        try (MagnitudePruner pruner = new MagnitudePruner(gpt, new SparsitySchedule(0, 0.5, 0, 1, 1), m)) {
            assertEquals(
                    List.of(
                            "01h0_02attn_01cAttn_weight",
                            "01h0_02attn_02cProj_weight",
                            "01h0_04mlp_01cFc_weight",
                            "01h0_04mlp_02cProj_weight",
                            "02h1_02attn_01cAttn_weight",
                            "02h1_02attn_02cProj_weight",
                            "02h1_04mlp_01cFc_weight",
                            "02h1_04mlp_02cProj_weight"),
                    pruner.prunedParameters());
        }
    }

    @Test
    void eachMatrixReachesTheScheduledSparsityWithinOneElementByMagnitude() {
        SparsitySchedule schedule = new SparsitySchedule(0.1, 0.75, 2, 6, 2);
        Map<String, float[]> original = weights();
        try (MagnitudePruner pruner = new MagnitudePruner(gpt, schedule, m)) {
            for (long step = 0; step <= 8; step++) {
                pruner.afterStep(step);
                double expected = schedule.at(Math.min(step - step % 2, 6)); // masks change on even steps only
                for (Map.Entry<String, Double> e : pruner.sparsity().entrySet()) {
                    long n = original.get(e.getKey()).length;
                    assertEquals(expected * n, e.getValue() * n, 1.0, e.getKey() + " at step " + step);
                }
            }
            // The pruned ones were the smallest: every kept |w| >= every pruned |w| (weights never moved here).
            Map<String, float[]> now = weights();
            for (String name : pruner.prunedParameters()) {
                float largestPruned = 0f;
                float smallestKept = Float.MAX_VALUE;
                for (int i = 0; i < now.get(name).length; i++) {
                    float w = Math.abs(original.get(name)[i]);
                    if (now.get(name)[i] == 0f) {
                        largestPruned = Math.max(largestPruned, w);
                    } else {
                        smallestKept = Math.min(smallestKept, w);
                    }
                }
                assertTrue(largestPruned <= smallestKept, name);
            }
        }
    }

    @Test
    void prunedWeightsStayZeroWhileTrainingGoesOnAndAfterARestart() {
        RepeatedText data = new RepeatedText(TEXT, 2);
        try (TrainStep trainer = new TrainStep(gpt, m, TrainStep.Options.defaults(1e-2f, 0));
                MagnitudePruner pruner = new MagnitudePruner(gpt, new SparsitySchedule(0.2, 0.6, 1, 3, 1), m)) {
            train(trainer, pruner, data, 3); // pruning ends at step 3
            Map<String, float[]> atEnd = weights();
            int arrays = m.getManagedArrays().size();
            train(trainer, pruner, data, 4);
            assertEquals(arrays, m.getManagedArrays().size(), "masking leaks no arrays");
            assertZerosKept(atEnd, weights(), pruner.prunedParameters());

            // A restarted trainer creates its pruner after restoring: the masks come from the weights' zeros.
            try (MagnitudePruner restarted = new MagnitudePruner(gpt, new SparsitySchedule(0.2, 0.6, 1, 3, 1), m)) {
                train(trainer, restarted, data, 3);
                assertZerosKept(atEnd, weights(), restarted.prunedParameters());
            }
            for (String name : List.of("wte", "wpe", "01h0_02attn_01cAttn_bias", "03lnF_gamma")) {
                for (float w : weights().get(name)) {
                    assertTrue(w != 0f, name + " is not pruned");
                }
            }
        }
    }

    private void train(TrainStep trainer, MagnitudePruner pruner, RepeatedText data, int steps) {
        for (int i = 0; i < steps; i++) {
            try (Batch batch = Batch.fromWindows(m, data.windows(4, 24))) {
                pruner.afterStep(trainer.step(batch).step());
            }
        }
    }

    /** Zeros stay zero and their number is unchanged, while the kept weights did move. */
    private static void assertZerosKept(Map<String, float[]> before, Map<String, float[]> after, List<String> names) {
        for (String name : names) {
            int zeros = 0;
            boolean moved = false;
            for (int i = 0; i < before.get(name).length; i++) {
                if (before.get(name)[i] == 0f) {
                    assertEquals(0f, after.get(name)[i], 0f, name + "[" + i + "] came back");
                    zeros++;
                } else {
                    moved |= before.get(name)[i] != after.get(name)[i];
                    assertFalse(after.get(name)[i] == 0f, name + "[" + i + "] pruned outside a pruning step");
                }
            }
            assertEquals(Math.round(0.6 * before.get(name).length), zeros, name);
            assertTrue(moved, name + " kept weights train");
        }
    }

    private Map<String, float[]> weights() {
        Map<String, float[]> out = new HashMap<>();
        gpt.getParameters()
                .forEach(p -> out.put(p.getKey(), p.getValue().getArray().toFloatArray()));
        return out;
    }
}
