package io.distill.lm.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.lm.Json;
import io.distill.lm.artifact.FileTrees;
import io.distill.lm.artifact.Safetensors;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link Gpt} of a supported family as a Hugging Face model directory that transformers, vLLM and
 * llama.cpp's converter load:
 *
 * <pre>
 * config.json              the family's fields, as transformers writes them (sorted keys, indent 2)
 * model.safetensors        Hugging Face tensor names, sorted; metadata {"format": "pt"}; F32, F16 or BF16
 * generation_config.json   the teacher's, byte for byte, else bos/eos from the model's {@link SpecialTokens}
 * tokenizer.json, ...      the teacher's tokenizer files ({@link HfFiles#TOKENIZER}), byte for byte
 * </pre>
 *
 * <p>The directory appears whole or not at all: it is written next to {@code out} and renamed into place.
 */
public final class HfExport {

    /**
     * The transformers version whose file layout this writes (the last to name the dtype {@code torch_dtype}); also
     * what {@code benchmarks/hf_models.py} writes.
     */
    static final String TRANSFORMERS_VERSION = "4.55.4";

    /** Stored type of the weights: fp32 is exact; bf16 and fp16 halve the size (rounded to nearest even). */
    public enum Dtype {
        F32("float32", DataType.FLOAT32),
        F16("float16", DataType.FLOAT16),
        BF16("bfloat16", DataType.BFLOAT16);

        final String torchName;
        final DataType dataType;

        Dtype(String torchName, DataType dataType) {
            this.torchName = torchName;
            this.dataType = dataType;
        }
    }

    private HfExport() {}

    /**
     * Writes {@code model} to the new directory {@code out} as {@code family}, with the tokenizer files and {@code
     * generation_config.json} of {@code teacherDir} (null for none).
     *
     * @throws IllegalArgumentException when the model's config is not one of {@code family}
     * @throws FileAlreadyExistsException when {@code out} exists
     */
    public static void write(Gpt model, Family family, SpecialTokens tokens, Path teacherDir, Path out, Dtype dtype)
            throws IOException {
        ObjectNode config = configJson(model.config(), family, tokens, dtype);
        if (Files.exists(out)) {
            throw new FileAlreadyExistsException(out.toString());
        }
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, out.getFileName() + ".tmp");
        boolean done = false;
        try {
            Files.write(tmp.resolve(HfFiles.CONFIG), TransformersJson.bytes(config));
            try (OutputStream o =
                    new BufferedOutputStream(Files.newOutputStream(tmp.resolve(HfFiles.WEIGHTS)), 1 << 20)) {
                Safetensors.write(o, tensors(model, family, dtype), Map.of("format", "pt"));
            }
            Path gen = teacherDir == null ? null : teacherDir.resolve(HfFiles.GENERATION_CONFIG);
            if (gen != null && Files.isRegularFile(gen)) {
                Files.copy(gen, tmp.resolve(HfFiles.GENERATION_CONFIG));
            } else {
                Files.write(tmp.resolve(HfFiles.GENERATION_CONFIG), TransformersJson.bytes(generationConfig(tokens)));
            }
            if (teacherDir != null) {
                for (String name : HfFiles.TOKENIZER) {
                    if (Files.isRegularFile(teacherDir.resolve(name))) {
                        Files.copy(teacherDir.resolve(name), tmp.resolve(name));
                    }
                }
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
            done = true;
        } finally {
            if (!done) {
                FileTrees.deleteRecursively(tmp);
            }
        }
    }

    /**
     * The family's {@code config.json} for {@code model}, after checking that reading it back gives the same model
     * (so an export is never a different model under a family's name).
     */
    static ObjectNode configJson(LmConfig model, Family family, SpecialTokens tokens, Dtype dtype) {
        ObjectNode json;
        LmConfig back;
        try {
            json = family.configJson(model);
            back = family.config(new ConfigFields(json));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "the model is not a " + family.architecture() + " (" + e.getMessage() + "): " + model, e);
        }
        if (!back.equals(withoutDropout(model))) {
            throw new IllegalArgumentException("the model is not a " + family.architecture() + ": " + model);
        }
        tokens.writeTo(json);
        json.put("torch_dtype", dtype.torchName);
        json.put("transformers_version", TRANSFORMERS_VERSION);
        return json;
    }

    private static LmConfig withoutDropout(LmConfig m) {
        return new LmConfig(
                m.layers(),
                m.dModel(),
                m.context(),
                m.vocab(),
                m.attention(),
                m.mlp(),
                m.norm(),
                m.positions(),
                m.tiedEmbeddings(),
                0f);
    }

    private static ObjectNode generationConfig(SpecialTokens tokens) {
        ObjectNode json = Json.object();
        json.put("_from_model_config", true);
        tokens.writeTo(json);
        json.put("transformers_version", TRANSFORMERS_VERSION);
        return json;
    }

    /** Every stored tensor of the family's table, sorted by name; each part's bytes are made when written. */
    static List<Safetensors.Tensor> tensors(Gpt model, Family family, Dtype dtype) {
        Map<String, Parameter> params = model.parametersByPath();
        List<Safetensors.Tensor> out = new ArrayList<>();
        for (TensorRule rule : family.tensors(model.config())) {
            NDArray param = params.get(rule.path()).getArray();
            Shape shape = param.getShape();
            long offset = 0;
            for (int i = 0; i < rule.parts().size(); i++) {
                long from = offset;
                long rows = rule.rows(i, shape);
                out.add(new Safetensors.Tensor(
                        rule.parts().get(i).name(),
                        dtype.dataType,
                        rule.storedShape(i, shape),
                        () -> encode(param, from, rows, rule.transposed(), dtype)));
                offset += rows;
            }
        }
        out.sort(Comparator.comparing(Safetensors.Tensor::name));
        return out;
    }

    /** Rows [from, from + rows) of {@code param}, transposed or not, as little-endian bytes of {@code dtype}. */
    private static byte[] encode(NDArray param, long from, long rows, boolean transposed, Dtype dtype) {
        try (NDManager scope = param.getManager().newSubManager()) {
            NDArray part = param.get(new NDIndex("{}:{}", from, from + rows));
            part.attach(scope); // an op on a parameter lands in the parameter's manager: free it with the scope
            if (transposed) {
                part = part.transpose(1, 0);
            }
            return switch (dtype) {
                case F32 -> part.toByteArray();
                case F16 -> part.toType(DataType.FLOAT16, false).toByteArray();
                case BF16 -> bfloat16(part.toFloatArray());
            };
        }
    }

    /**
     * fp32 to bf16 bits, rounded to nearest even as {@code torch.Tensor.to(torch.bfloat16)} does; NaN stays NaN. In
     * Java because DJL 0.36 cannot hold a bf16 array.
     */
    static byte[] bfloat16(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            int bits = Float.floatToRawIntBits(v);
            short half = Float.isNaN(v)
                    ? (short) ((bits >>> 16) | 0x0040) // keep sign and payload top, force a quiet NaN
                    : (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
            out.putShort(half);
        }
        return out.array();
    }
}
