package io.distill.lm.artifact;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.tokenize.Tokenizer;
import io.distill.lm.tokenize.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * An inference bundle: a model without training state, for publishing and serving.
 *
 * <pre>
 * config.json            model shape + tokenizer id and checksum
 * weights.safetensors    parameters in the bundle's {@link WeightFormat}
 * manifest.json          kind "bundle", the weight format, sha256 and size of each file
 * </pre>
 *
 * <p>Sizes: int8 is about a quarter of fp32 (the per-row scales and the fp32 vectors add ~2% for student-1m),
 * fp16 about half.
 */
public final class ModelBundle {

    private ModelBundle() {}

    /**
     * Writes {@code model} to {@code dir} in {@code format}, atomically (an existing directory is replaced).
     *
     * @throws IllegalStateException when a weight is not finite, or too large for fp16
     */
    public static Artifact export(Gpt model, Path dir, WeightFormat format) throws IOException {
        return export(model, CompanionFiles.BYTE_LEVEL, dir, format);
    }

    /** As {@link #export(Gpt, Path, WeightFormat)}, with the tokenizer and files {@code companions} name. */
    public static Artifact export(Gpt model, CompanionFiles companions, Path dir, WeightFormat format)
            throws IOException {
        try (ArtifactWriter w = ArtifactWriter.create(dir);
                NDManager scope = Checkpoint.scopeFor(model)) {
            Map<String, NDArray> tensors = WeightCodec.encode(model, format, scope);
            w.writeBytes(
                    ModelDescription.FILE,
                    ModelDescription.of(model.config(), companions).toJson());
            w.writeAll(companions.files());
            w.write(
                    Checkpoint.WEIGHTS,
                    out -> Safetensors.write(out, tensors, Map.of("distill.weightFormat", format.id())));
            return w.commit(Manifest.BUNDLE, format);
        }
    }

    /**
     * Loads a bundle, or the model of a training checkpoint, as a {@link Gpt} with fp32 parameters owned by {@code
     * manager} (int8 and fp16 weights are converted back). Every file is checked against the manifest's sha256
     * before it is parsed.
     *
     * <p>The model is built with {@link Gpt#create}, whose initialisation draws from the engine's random generator
     * before the stored weights overwrite it.
     *
     * @throws InvalidArtifactException when a file is missing, fails its checksum, does not parse or does not fit
     *     the model its config describes, or the tokenizer is not this build's
     */
    public static Gpt load(Path dir, NDManager manager) throws IOException {
        return load(dir, Precision.FP32, manager);
    }

    /** As {@link #load(Path, NDManager)}, with the model's matrix products at {@code precision}. */
    public static Gpt load(Path dir, Precision precision, NDManager manager) throws IOException {
        ArtifactReader r = ArtifactReader.open(dir, null, ModelDescription.FILE, Checkpoint.WEIGHTS);
        ModelDescription description = ModelDescription.read(r);
        WeightFormat format = r.manifest().weightFormat();
        byte[] weightBytes = r.read(Checkpoint.WEIGHTS);
        Gpt model = Gpt.create(description.model(), precision, manager);
        boolean loaded = false;
        try (NDManager scope = manager.newSubManager()) {
            Map<String, NDArray> tensors = Checkpoint.safetensors(r, Checkpoint.WEIGHTS, weightBytes, scope)
                    .tensors();
            WeightCodec.decodeInto(tensors, format, model, scope);
            loaded = true;
        } catch (IllegalArgumentException e) {
            throw r.invalid(Checkpoint.WEIGHTS, e);
        } finally {
            if (!loaded) {
                // Free the half-built model now, not when the caller's manager closes: a client that keeps
                // meeting bad bundles must not grow.
                model.getParameters().forEach(p -> p.getValue().getArray().close());
            }
        }
        return model;
    }

    /** The model shape of a bundle or checkpoint, after verifying its {@code config.json}. */
    public static LmConfig readConfig(Path dir) throws IOException {
        return ModelDescription.read(ArtifactReader.open(dir, null, ModelDescription.FILE))
                .model();
    }

    /**
     * The tokenizer a bundle or checkpoint reads: the byte tokenizer, or the Hugging Face tokenizer it carries,
     * checked against the checksum its {@code config.json} names. Close it when done (it may hold native memory).
     */
    public static Tokenizer tokenizer(Path dir) throws IOException {
        ArtifactReader r = ArtifactReader.open(dir, null, ModelDescription.FILE);
        ModelDescription description = ModelDescription.read(r);
        if (description.tokenizerId().equals(ByteTokenizer.ID)) {
            return ByteTokenizer.get();
        }
        r.read(ModelDescription.TOKENIZER_FILE); // verified against the manifest before the native parser sees it
        Tokenizer tokenizer;
        try {
            tokenizer = Tokenizers.forModelDir(dir);
        } catch (IllegalArgumentException e) {
            throw r.invalid(ModelDescription.TOKENIZER_FILE, e);
        }
        if (!tokenizer.checksum().equals(description.tokenizerChecksum())) {
            tokenizer.close();
            throw new InvalidArtifactException(
                    dir,
                    ModelDescription.TOKENIZER_FILE + " has checksum " + tokenizer.checksum() + ", config.json names "
                            + description.tokenizerChecksum());
        }
        return tokenizer;
    }

    /** The weight format a bundle or checkpoint declares in its manifest. */
    public static WeightFormat readFormat(Path dir) throws IOException {
        return ArtifactReader.open(dir, null).manifest().weightFormat();
    }
}
