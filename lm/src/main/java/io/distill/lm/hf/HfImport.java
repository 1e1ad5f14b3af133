package io.distill.lm.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.lm.Autograd;
import io.distill.lm.InPlace;
import io.distill.lm.Json;
import io.distill.lm.artifact.InvalidArtifactException;
import io.distill.lm.artifact.SafetensorsFile;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Loads a Hugging Face model directory ({@code config.json}, {@code model.safetensors} or shards with {@code
 * model.safetensors.index.json}; F32, F16 or BF16 stored) as a {@link Gpt} with fp32 parameters.
 *
 * <p>Never a silently wrong model: an unknown architecture, a config field that changes the math and is not
 * implemented, a missing or surplus tensor or a shape that does not match {@code config.json} is an {@link
 * InvalidArtifactException} whose one-line message names the directory, the file and the field or tensor. Every
 * name and shape is checked from the headers before any weight is read.
 *
 * <p>Memory: shards are read one at a time, one tensor at a time (mapped from the file), each written into its
 * place in the model's parameters at once; the model is the only full copy held.
 */
public final class HfImport {

    private HfImport() {}

    /** Whether {@code dir} looks like a Hugging Face model: a {@code config.json} naming its architectures. */
    public static boolean isHfModel(Path dir) {
        Path config = dir.resolve(HfFiles.CONFIG);
        if (!Files.isRegularFile(config)) {
            return false;
        }
        try {
            return Json.parseObject(Files.readAllBytes(config), HfFiles.CONFIG).has("architectures");
        } catch (IOException | IllegalArgumentException e) {
            return false; // not readable as one: the caller's own loader reports why
        }
    }

    /** Reads {@code config.json} and {@code generation_config.json} (when present). */
    public static HfConfig readConfig(Path dir) throws IOException {
        return readConfig(dir, HfFiles.CONFIG);
    }

    /** A {@code config.json} written by hand, e.g. a smaller student of a family, read as {@link #readConfig}. */
    public static HfConfig readConfigFile(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        return readConfig(dir, file.getFileName().toString());
    }

    /** As {@link #readConfig(Path)}, with the family's config under another name (a student artifact's). */
    static HfConfig readConfig(Path dir, String configName) throws IOException {
        Path file = dir.resolve(configName);
        if (!Files.isRegularFile(file)) {
            throw new InvalidArtifactException(dir, configName + " is missing (not a Hugging Face model directory)");
        }
        try {
            ObjectNode json = Json.parseObject(Files.readAllBytes(file), HfFiles.CONFIG);
            ConfigFields c = new ConfigFields(json);
            Family family = Family.of(c);
            var model = family.config(c);
            Path gen = dir.resolve(HfFiles.GENERATION_CONFIG);
            ObjectNode generation = Files.isRegularFile(gen)
                    ? Json.parseObject(Files.readAllBytes(gen), HfFiles.GENERATION_CONFIG)
                    : null;
            String dtype = c.text("torch_dtype", c.text("dtype", null)); // "dtype" since transformers 4.56
            return new HfConfig(family, model, SpecialTokens.read(json, generation), dtype);
        } catch (IllegalArgumentException e) {
            String message =
                    e.getMessage().startsWith(HfFiles.CONFIG) || e.getMessage().startsWith(HfFiles.GENERATION_CONFIG)
                            ? e.getMessage()
                            : HfFiles.CONFIG + ": " + e.getMessage(); // LmConfig's own checks, e.g. heads vs kv heads
            throw new InvalidArtifactException(dir, message, e);
        }
    }

    /** Loads the model of {@code dir} with its matrix products at {@code precision}, parameters owned by {@code manager}. */
    public static HfModel load(Path dir, Precision precision, NDManager manager) throws IOException {
        HfConfig config = readConfig(dir);
        StoredWeights stored;
        try {
            stored = StoredWeights.scan(dir);
        } catch (IllegalArgumentException e) {
            throw new InvalidArtifactException(dir, e.getMessage(), e);
        }
        Gpt gpt = Gpt.create(config.model(), precision, manager);
        boolean loaded = false;
        try {
            fill(gpt, config.family(), stored, dir, manager);
            loaded = true;
        } catch (IllegalArgumentException e) {
            throw new InvalidArtifactException(dir, e.getMessage(), e);
        } finally {
            if (!loaded) { // free the half-built model now, not when the caller's manager closes
                gpt.getParameters().forEach(p -> p.getValue().getArray().close());
            }
        }
        return new HfModel(config, gpt);
    }

    /** Where a stored tensor goes: rows [offset, offset + rows) of a parameter, transposed first or not. */
    private record Target(Parameter parameter, long offset, long rows, Shape stored, boolean transposed) {

        void write(NDArray value) {
            NDArray array = parameter.getArray();
            if (rows == array.getShape().get(0)) {
                InPlace.copy(array, value);
                return;
            }
            try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
                array.set(new NDIndex("{}:{}", offset, offset + rows), value);
            }
        }
    }

    private static void fill(Gpt gpt, Family family, StoredWeights stored, Path dir, NDManager manager)
            throws IOException {
        Map<String, Target> targets = targets(gpt, family);
        Map<String, String> canonical = family.canonicalNames(stored.tensors().keySet());
        boolean tied = gpt.config().tiedEmbeddings();
        String tiedCopy = null; // a stored head that tie_word_embeddings says is the embedding: checked, not loaded
        TreeSet<String> surplus = new TreeSet<>();
        for (Map.Entry<String, String> e : canonical.entrySet()) {
            Shape shape = stored.tensors().get(e.getKey()).shape();
            Target t = targets.get(e.getValue());
            if (t == null && tied && e.getValue().equals(family.headName())) {
                tiedCopy = e.getKey();
                requireShape(
                        e.getKey(), shape, targets.get(family.embeddingName()).stored());
            } else if (t == null) {
                surplus.add(e.getKey());
            } else {
                requireShape(e.getKey(), shape, t.stored());
            }
        }
        TreeSet<String> missing = new TreeSet<>(targets.keySet());
        missing.removeAll(canonical.values());
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("missing tensor " + first(missing));
        }
        if (!surplus.isEmpty()) {
            throw new IllegalArgumentException("surplus tensor " + first(surplus) + " (not part of a "
                    + family.architecture() + " with this config.json)");
        }
        for (String file : stored.files()) {
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(file), file);
                    NDManager scope = manager.newSubManager()) {
                for (String name : f.tensors().keySet()) {
                    Target t = targets.get(canonical.get(name));
                    if (t == null) {
                        continue; // an ignored buffer, or the tied copy (compared below)
                    }
                    try (NDArray value = f.readFloat32(name, scope)) {
                        if (t.transposed()) {
                            try (NDArray transposed = value.transpose(1, 0)) {
                                t.write(transposed);
                            }
                        } else {
                            t.write(value);
                        }
                    }
                }
            }
        }
        if (tiedCopy != null) {
            requireTiedCopy(stored, dir, tiedCopy, targets.get(family.embeddingName()), manager);
        }
    }

    /** Every stored tensor the family's table names, with its target place and expected stored shape. */
    private static Map<String, Target> targets(Gpt gpt, Family family) {
        Map<String, Parameter> params = gpt.parametersByPath();
        Map<String, Target> targets = new LinkedHashMap<>();
        List<TensorRule> rules = family.tensors(gpt.config());
        if (rules.size() != params.size()) {
            throw new IllegalStateException(
                    family.architecture() + " table maps " + rules.size() + " of " + params.size() + " parameters");
        }
        for (TensorRule rule : rules) {
            Parameter p = params.get(rule.path());
            if (p == null) {
                throw new IllegalStateException(
                        family.architecture() + " table names unknown parameter " + rule.path());
            }
            Shape shape = p.getArray().getShape();
            long offset = 0;
            for (int i = 0; i < rule.parts().size(); i++) {
                long rows = rule.rows(i, shape);
                targets.put(
                        rule.parts().get(i).name(),
                        new Target(p, offset, rows, rule.storedShape(i, shape), rule.transposed()));
                offset += rows;
            }
            if (offset != shape.get(0)) {
                throw new IllegalStateException(
                        rule.path() + ": parts hold " + offset + " of " + shape.get(0) + " rows");
            }
        }
        return targets;
    }

    private static void requireTiedCopy(
            StoredWeights stored, Path dir, String name, Target embedding, NDManager manager) throws IOException {
        String file = stored.fileOf(name);
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(file), file);
                NDManager scope = manager.newSubManager()) {
            if (!f.readFloat32(name, scope).contentEquals(embedding.parameter().getArray())) {
                throw new IllegalArgumentException("tensor " + name
                        + " is stored and differs from the embedding, but config.json has tie_word_embeddings=true");
            }
        }
    }

    private static void requireShape(String name, Shape actual, Shape expected) {
        if (!actual.equals(expected)) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(actual.getShape())
                    + ", config.json implies " + Arrays.toString(expected.getShape()));
        }
    }

    private static String first(TreeSet<String> names) {
        return names.first() + (names.size() > 1 ? " (and " + (names.size() - 1) + " more)" : "");
    }
}
