package io.distill.lm.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class Int8RowsTest {

    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    @Test
    void eachRowGetsItsOwnScaleAndValuesRoundToNearest() {
        NDArray w = m.create(
                new float[] {
                    0.5f, -1.27f, 0.01f, 0.0149f, // max 1.27: scale 0.01, q = 50, -127, 1, 1 (1.49 rounds down)
                    2.54f, 1.0f, -0.3f, 0f, // max 2.54: scale 0.02, q = 127, 50, -15, 0
                    0f, 0f, 0f, 0f // all zero (a pruned row): scale 0, q 0
                },
                new Shape(3, 4));
        Int8Rows.Quantized q = Int8Rows.quantize(w);
        assertEquals(DataType.INT8, q.q().getDataType());
        assertArrayEquals(new byte[] {50, -127, 1, 1, 127, 50, -15, 0, 0, 0, 0, 0}, q.q().toByteArray());
        assertArrayEquals(new float[] {0.01f, 0.02f, 0f}, q.scale().toFloatArray(), 1e-9f);
        float[] back = Int8Rows.dequantize(q.q(), q.scale()).toFloatArray();
        assertArrayEquals(new float[] {0.5f, -1.27f, 0.01f, 0.01f, 2.54f, 1f, -0.3f, 0f, 0f, 0f, 0f, 0f}, back, 1e-6f);
    }

    @Test
    void errorIsAtMostHalfAStepPerRow() {
        Engine.getInstance().setRandomSeed(4);
        NDArray w = m.randomNormal(0f, 0.02f, new Shape(16, 64), DataType.FLOAT32);
        Int8Rows.Quantized q = Int8Rows.quantize(w);
        float[] values = w.toFloatArray();
        float[] back = Int8Rows.dequantize(q.q(), q.scale()).toFloatArray();
        float[] scale = q.scale().toFloatArray();
        byte[] ints = q.q().toByteArray();
        for (int r = 0; r < 16; r++) {
            int extreme = 0;
            for (int c = 0; c < 64; c++) {
                int i = r * 64 + c;
                assertTrue(Math.abs(values[i] - back[i]) <= scale[r] * 0.5001f, "row " + r + " col " + c);
                extreme = Math.max(extreme, Math.abs(ints[i]));
            }
            assertEquals(127, extreme, "the largest weight of each row maps to +-127");
        }
    }
}
