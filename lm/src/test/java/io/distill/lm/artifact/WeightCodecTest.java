package io.distill.lm.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.distill.lm.Fixtures;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WeightCodecTest {

    private NDManager m;
    private Gpt gpt;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(8);
        gpt = Gpt.create(LmConfig.named("tiny"), m);
    }

    @AfterEach
    void close() {
        m.close();
    }

    @Test
    void fp32IsTheLiveParametersAndReadsBackExactly() {
        try (NDManager scope = m.newSubManager()) {
            Map<String, NDArray> t = WeightCodec.encode(gpt, WeightFormat.FP32, scope);
            assertSame(gpt.getParameters().get("wte").getArray(), t.get("wte"));
            Map<String, byte[]> before = Fixtures.parameterBytes(gpt);
            Map<String, NDArray> copies = new LinkedHashMap<>();
            t.forEach((k, v) -> {
                NDArray c = v.duplicate();
                c.attach(scope);
                copies.put(k, c);
            });
            Engine.getInstance().setRandomSeed(9);
            Gpt other = Gpt.create(LmConfig.named("tiny"), scope);
            WeightCodec.decodeInto(copies, WeightFormat.FP32, other, scope);
            Map<String, byte[]> after = Fixtures.parameterBytes(other);
            before.forEach((k, v) -> assertArrayEquals(v, after.get(k), k));
        }
    }

    @Test
    void lowPrecisionFormatsConvertMatricesAndEmbeddingsOnly() {
        try (NDManager scope = m.newSubManager()) {
            Map<String, NDArray> fp16 = WeightCodec.encode(gpt, WeightFormat.FP16, scope);
            assertEquals(DataType.FLOAT16, fp16.get("wte").getDataType());
            assertEquals(DataType.FLOAT16, fp16.get("01h0_04mlp_01cFc_weight").getDataType());
            assertEquals(DataType.FLOAT32, fp16.get("01h0_04mlp_01cFc_bias").getDataType());
            assertEquals(DataType.FLOAT32, fp16.get("03lnF_gamma").getDataType());

            Map<String, NDArray> int8 = WeightCodec.encode(gpt, WeightFormat.INT8, scope);
            assertEquals(DataType.INT8, int8.get("wte").getDataType());
            assertEquals(new Shape(259), int8.get("wte.scale").getShape());
            assertEquals(DataType.INT8, int8.get("wpe").getDataType());
            assertEquals(
                    new Shape(128), int8.get("01h0_04mlp_01cFc_weight.scale").getShape());
            assertEquals(DataType.FLOAT32, int8.get("01h0_01ln1_beta").getDataType());
            assertTrue(!int8.containsKey("01h0_01ln1_beta.scale"));
        }
    }

    @Test
    void tensorsThatDoNotFitTheModelAreRefusedBeforeAnythingChanges() {
        try (NDManager scope = m.newSubManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>(WeightCodec.encode(gpt, WeightFormat.INT8, scope));
            t.remove("wpe.scale");
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> WeightCodec.check(t, WeightFormat.INT8, gpt));
            assertTrue(e.getMessage().contains("missing [wpe.scale]"), e.getMessage());

            Map<String, NDArray> wrongType = new LinkedHashMap<>(WeightCodec.encode(gpt, WeightFormat.FP16, scope));
            byte[] wte = gpt.getParameters().get("wte").getArray().toByteArray();
            e = assertThrows(
                    IllegalArgumentException.class,
                    () -> WeightCodec.decodeInto(wrongType, WeightFormat.INT8, gpt, scope));
            assertArrayEquals(wte, gpt.getParameters().get("wte").getArray().toByteArray());
        }
    }
}
