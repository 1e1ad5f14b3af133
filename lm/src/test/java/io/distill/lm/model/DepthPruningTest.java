package io.distill.lm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DepthPruningTest {

    @Test
    void studentBlocksAreTheChosenTeacherBlocksAndTheRestIsCopied() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            Gpt teacher = Gpt.create(ModelFamiliesTest.llamaLike(false, true).withLayers(4), m);
            int[] layers = {1, 3};
            Gpt student = Gpt.create(DepthPruning.studentConfig(teacher.config(), layers), m);
            DepthPruning.copy(teacher, student, layers);

            Map<String, Parameter> t = teacher.parametersByPath();
            Map<String, Parameter> s = student.parametersByPath();
            assertEquals(2, student.config().layers());
            for (String path : s.keySet()) {
                String source = path.startsWith("h.0.")
                        ? "h.1." + path.substring(4)
                        : path.startsWith("h.1.") ? "h.3." + path.substring(4) : path;
                assertArrayEquals(
                        t.get(source).getArray().toFloatArray(),
                        s.get(path).getArray().toFloatArray(),
                        path);
            }
            assertTrue(s.containsKey("lmHead") && s.containsKey("lnF.weight"));
        }
    }

    @Test
    void everyOtherBlockByDefaultAndBadLayersAreRefused() {
        assertArrayEquals(new int[] {0, 2, 4}, DepthPruning.everyOther(6));
        assertArrayEquals(new int[] {0, 2, 4}, DepthPruning.everyOther(5));
        LmConfig teacher = LmConfig.named("tiny"); // 2 blocks
        assertThrows(IllegalArgumentException.class, () -> DepthPruning.studentConfig(teacher, new int[] {2}));
        assertThrows(IllegalArgumentException.class, () -> DepthPruning.studentConfig(teacher, new int[] {1, 0}));
        assertThrows(IllegalArgumentException.class, () -> DepthPruning.studentConfig(teacher, new int[0]));
        assertEquals(1, DepthPruning.studentConfig(teacher, new int[] {1}).layers());
    }
}
