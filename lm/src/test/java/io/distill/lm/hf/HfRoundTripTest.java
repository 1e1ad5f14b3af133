package io.distill.lm.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.lm.Json;
import io.distill.lm.artifact.InvalidArtifactException;
import io.distill.lm.artifact.Safetensors;
import io.distill.lm.artifact.SafetensorsFile;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.LmConfig.Attention;
import io.distill.lm.model.LmConfig.Mlp;
import io.distill.lm.model.LmConfig.Norm;
import io.distill.lm.model.LmConfig.Positions;
import io.distill.lm.model.LmConfig.RopeScaling;
import io.distill.lm.model.Precision;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export then import, without Python: identical parameters and logits for each family, the file layout, and the
 * refusals of directories that would load as a wrong model.
 */
class HfRoundTripTest {

    private static final int[] PROMPT = {3, 1, 4, 1, 5, 9, 2, 6};
    private static final SpecialTokens TOKENS = new SpecialTokens(OptionalInt.of(1), List.of(2));

    @TempDir
    Path tmp;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(7);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    static LmConfig llama(boolean tied, boolean qkvBias) {
        return new LmConfig(
                2,
                32,
                64,
                96,
                new Attention(4, 2, 12, qkvBias, false),
                new Mlp(Mlp.Activation.SWIGLU, 40, false),
                new Norm(Norm.Kind.RMS_NORM, 1e-6f),
                Positions.rope(500000, qkvBias ? null : new RopeScaling(8, 1, 4, 16)),
                tied,
                0f);
    }

    static LmConfig gpt2() {
        return new LmConfig(
                2,
                32,
                64,
                96,
                new Attention(4, 4, 8, true, true),
                new Mlp(Mlp.Activation.GELU_TANH, 128, true),
                new Norm(Norm.Kind.LAYER_NORM, 1e-5f),
                Positions.learned(),
                true,
                0f);
    }

    @Test
    void exportThenImportIsBitwiseIdenticalForEveryFamily() throws IOException {
        roundTrip(llama(false, false), LlamaFamily.LLAMA, "llama");
        roundTrip(llama(true, true), LlamaFamily.QWEN2, "qwen2");
        roundTrip(gpt2(), Gpt2Family.GPT2, "gpt2");
    }

    private void roundTrip(LmConfig config, Family family, String name) throws IOException {
        Gpt gpt = Gpt.create(config, manager);
        Path out = tmp.resolve(name);
        HfExport.write(gpt, family, TOKENS, null, out, HfExport.Dtype.F32);
        HfModel back = HfImport.load(out, Precision.FP32, manager);
        assertEquals(config, back.config().model(), name);
        assertEquals(family, back.config().family(), name);
        assertEquals(TOKENS, back.config().tokens(), name);
        assertEquals("float32", back.config().dtype(), name);
        gpt.parametersByPath()
                .forEach((path, p) -> assertArrayEquals(
                        p.getArray().toByteArray(),
                        back.gpt().parametersByPath().get(path).getArray().toByteArray(),
                        name + " " + path));
        assertEquals(0.0, Logits.maxAbsDiff(Logits.of(gpt, manager, PROMPT), Logits.of(back.gpt(), manager, PROMPT)));
    }

    @Test
    void safetensorsFollowTheSpecAndConfigReadsLikeTransformers() throws IOException {
        Gpt gpt = Gpt.create(llama(true, false), manager);
        Path out = tmp.resolve("llama");
        Files.writeString(tmp.resolve("tokenizer.json"), "{\"model\": {}}\n");
        HfExport.write(gpt, LlamaFamily.LLAMA, TOKENS, tmp, out, HfExport.Dtype.BF16);

        byte[] bytes = Files.readAllBytes(out.resolve("model.safetensors"));
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        ObjectNode header = Json.parseObject(java.util.Arrays.copyOfRange(bytes, 8, 8 + (int) n), "header");
        assertEquals("{\"format\":\"pt\"}", header.get("__metadata__").toString());
        assertEquals("__metadata__", header.fieldNames().next());
        ObjectNode q = (ObjectNode) header.get("model.layers.0.self_attn.q_proj.weight");
        assertEquals("BF16", q.get("dtype").asText());
        assertEquals("[48,32]", q.get("shape").toString());
        assertTrue(!header.has("lm_head.weight"), "a tied head is not stored");

        String config = Files.readString(out.resolve("config.json"));
        assertTrue(config.startsWith("{\n  \"architectures\": [\n    \"LlamaForCausalLM\"\n  ],\n"), config);
        assertTrue(config.contains("\"torch_dtype\": \"bfloat16\""), config);
        assertTrue(config.contains("\"rms_norm_eps\": 1.0E-6"), config);
        assertArrayEquals(
                Files.readAllBytes(tmp.resolve("tokenizer.json")), Files.readAllBytes(out.resolve("tokenizer.json")));
        assertTrue(Files.exists(out.resolve("generation_config.json")));

        // bf16 storage rounds each weight to nearest even; reading it back widens exactly
        HfModel back = HfImport.load(out, Precision.FP32, manager);
        float[] original = gpt.parametersByPath().get("wte").getArray().toFloatArray();
        float[] read = back.gpt().parametersByPath().get("wte").getArray().toFloatArray();
        for (int i = 0; i < original.length; i++) {
            assertEquals(
                    Math.abs(original[i]) * 0x1p-8, Math.abs(original[i] - read[i]), Math.abs(original[i]) * 0x1p-8);
            assertEquals(0, Float.floatToRawIntBits(read[i]) & 0xFFFF, "a bf16 value has 16 zero low bits");
        }
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        byte[] b =
                HfExport.bfloat16(new float[] {1f, Float.intBitsToFloat(0x3F808000), Float.intBitsToFloat(0x3F818000)});
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals((short) 0x3F80, buf.getShort()); // exact
        assertEquals((short) 0x3F80, buf.getShort()); // halfway, ties to the even 0x3F80
        assertEquals((short) 0x3F82, buf.getShort()); // halfway, ties to the even 0x3F82
    }

    @Test
    void exportRefusesAModelThatIsNotOfTheFamily() {
        Gpt gpt = Gpt.create(gpt2(), manager);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> HfExport.write(gpt, LlamaFamily.LLAMA, TOKENS, null, tmp.resolve("x"), HfExport.Dtype.F32));
        assertTrue(e.getMessage().contains("not a LlamaForCausalLM"), e.getMessage());
    }

    @Test
    void refusesWhatWouldLoadAsAWrongModel() throws IOException {
        assertRefused(
                "config.json: architecture MistralForCausalLM is not supported",
                LlamaFamily.LLAMA,
                dir -> editConfig(dir, c -> c.putArray("architectures").add("MistralForCausalLM")));
        assertRefused(
                "config.json: sliding_window attention is not supported (use_sliding_window=true)",
                LlamaFamily.QWEN2,
                dir -> editConfig(dir, c -> c.put("use_sliding_window", true)));
        assertRefused(
                "config.json: rope_scaling type yarn is not supported (llama3 or none)",
                LlamaFamily.LLAMA,
                dir -> editConfig(dir, c -> c.putObject("rope_scaling")
                        .put("rope_type", "yarn")
                        .put("factor", 4.0)));
        assertRefused(
                "config.json: attention_bias=true is not supported",
                LlamaFamily.LLAMA,
                dir -> editConfig(dir, c -> c.put("attention_bias", true)));
        assertRefused(
                "missing tensor model.layers.1.mlp.up_proj.weight",
                LlamaFamily.LLAMA,
                dir -> editTensors(dir, t -> t.removeIf(x -> x.name().equals("model.layers.1.mlp.up_proj.weight"))));
        assertRefused(
                "surplus tensor model.layers.2.input_layernorm.weight",
                LlamaFamily.LLAMA,
                dir -> editTensors(
                        dir,
                        t -> t.add(new Safetensors.Tensor(
                                "model.layers.2.input_layernorm.weight",
                                ai.djl.ndarray.types.DataType.FLOAT32,
                                new Shape(32),
                                () -> new byte[32 * 4]))));
        assertRefused(
                "tensor model.layers.0.self_attn.k_proj.weight has shape [24, 32], config.json implies [48, 32]",
                LlamaFamily.LLAMA,
                dir -> editConfig(dir, c -> c.put("num_key_value_heads", 4)));
    }

    private void assertRefused(String message, Family family, Edit edit) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "refused");
        Files.delete(dir);
        HfExport.write(
                Gpt.create(llama(false, family == LlamaFamily.QWEN2), manager),
                family,
                TOKENS,
                null,
                dir,
                HfExport.Dtype.F32);
        edit.apply(dir);
        InvalidArtifactException e =
                assertThrows(InvalidArtifactException.class, () -> HfImport.load(dir, Precision.FP32, manager));
        assertTrue(e.getMessage().startsWith(dir + ": " + message), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    interface Edit {
        void apply(Path dir) throws IOException;
    }

    private static void editConfig(Path dir, Consumer<ObjectNode> edit) throws IOException {
        Path file = dir.resolve("config.json");
        ObjectNode config = Json.parseObject(Files.readAllBytes(file), "config.json");
        edit.accept(config);
        Files.write(file, Json.bytes(config));
    }

    private void editTensors(Path dir, Consumer<List<Safetensors.Tensor>> edit) throws IOException {
        Path file = dir.resolve("model.safetensors");
        List<Safetensors.Tensor> tensors = new ArrayList<>();
        try (SafetensorsFile f = SafetensorsFile.open(file, "model.safetensors")) {
            for (var e : f.tensors().entrySet()) {
                NDArray a = f.readFloat32(e.getKey(), manager);
                tensors.add(new Safetensors.Tensor(e.getKey(), a.getDataType(), a.getShape(), a::toByteArray));
            }
        }
        edit.accept(tensors);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Safetensors.write(out, tensors, Map.of("format", "pt"));
        Files.write(file, out.toByteArray());
    }
}
