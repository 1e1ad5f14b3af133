package io.distill.lm.artifact;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.distill.lm.model.Gpt;
import io.distill.lm.train.AdamW;
import io.distill.lm.train.TrainingState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One training checkpoint directory: everything needed to resume training exactly (nanoGPT's {@code ckpt.pt}).
 *
 * <pre>
 * config.json            model shape + tokenizer id and checksum ({@link ModelDescription})
 * weights.safetensors    every parameter, fp32, by name
 * optimizer.safetensors  AdamW moments "m.NAME" and "v.NAME", fp32; metadata "adamw.updates"
 * state.json             step, tokensSeen, lossScale, cleanSteps, offsets ({@link TrainingState})
 * manifest.json          sha256 and size of each file above
 * </pre>
 *
 * <p>A checkpoint is also a valid fp32 model for {@link ModelBundle#load}. Written atomically ({@link
 * ArtifactWriter}); {@link CheckpointStore} names, finds and prunes them.
 */
public final class Checkpoint {

    static final String WEIGHTS = "weights.safetensors";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String UPDATES_KEY = "adamw.updates";

    private Checkpoint() {}

    /**
     * Writes {@code model}, {@code optimizer} and {@code state} to {@code dir} (replacing an existing one). Call it
     * between steps on the training thread: the arrays are read as they are.
     */
    public static Artifact write(Path dir, Gpt model, AdamW optimizer, TrainingState state) throws IOException {
        return write(dir, model, CompanionFiles.BYTE_LEVEL, optimizer, state);
    }

    /** As {@link #write(Path, Gpt, AdamW, TrainingState)}, for a model reading the tokenizer {@code companions} name. */
    public static Artifact write(Path dir, Gpt model, CompanionFiles companions, AdamW optimizer, TrainingState state)
            throws IOException {
        try (ArtifactWriter w = ArtifactWriter.create(dir);
                NDManager scope = scopeFor(model)) {
            w.writeBytes(
                    ModelDescription.FILE,
                    ModelDescription.of(model.config(), companions).toJson());
            w.writeAll(companions.files());
            Map<String, NDArray> weights = WeightCodec.encode(model, WeightFormat.FP32, scope);
            w.write(WEIGHTS, out -> Safetensors.write(out, weights, Map.of("distill.weightFormat", "fp32")));
            Map<String, NDArray> moments = new LinkedHashMap<>();
            for (AdamW.Moments m : optimizer.moments()) {
                moments.put("m." + m.name(), m.m());
                moments.put("v." + m.name(), m.v());
            }
            w.write(
                    OPTIMIZER,
                    out -> Safetensors.write(out, moments, Map.of(UPDATES_KEY, Long.toString(optimizer.updates()))));
            w.writeBytes(TrainingState.FILE, state.toJson());
            return w.commit(Manifest.CHECKPOINT, WeightFormat.FP32);
        }
    }

    /**
     * Verifies {@code dir} against its manifest, then overwrites {@code model}'s parameters and {@code optimizer}'s
     * state with the checkpoint's, in place, and returns the trainer's state. Nothing is changed when a file fails
     * its checksum or does not parse.
     *
     * @throws InvalidArtifactException when a file is missing, corrupt or unparsable (the message names it)
     * @throws IllegalArgumentException when the checkpoint is for another model shape than {@code model}'s
     */
    public static TrainingState restore(Path dir, Gpt model, AdamW optimizer) throws IOException {
        ArtifactReader r = ArtifactReader.open(
                dir, Manifest.CHECKPOINT, ModelDescription.FILE, WEIGHTS, OPTIMIZER, TrainingState.FILE);
        ModelDescription description = ModelDescription.read(r);
        if (!description.model().equals(model.config())) {
            throw new IllegalArgumentException(
                    dir + " holds a model " + description.model() + ", not " + model.config());
        }
        TrainingState state = parse(r, TrainingState.FILE);
        byte[] weightBytes = r.read(WEIGHTS);
        byte[] optimizerBytes = r.read(OPTIMIZER);
        try (NDManager scope = scopeFor(model)) {
            Map<String, NDArray> weights =
                    safetensors(r, WEIGHTS, weightBytes, scope).tensors();
            Safetensors.Contents opt = safetensors(r, OPTIMIZER, optimizerBytes, scope);
            long updates = updates(r, opt);
            Map<String, NDArray> m = new HashMap<>();
            Map<String, NDArray> v = new HashMap<>();
            for (Map.Entry<String, NDArray> e : opt.tensors().entrySet()) {
                String key = e.getKey();
                Map<String, NDArray> target = key.startsWith("m.") ? m : key.startsWith("v.") ? v : null;
                if (target == null) {
                    throw new InvalidArtifactException(dir, OPTIMIZER + ": unexpected tensor " + key);
                }
                target.put(key.substring(2), e.getValue());
            }
            // Check everything before changing anything.
            WeightCodec.check(weights, WeightFormat.FP32, model);
            optimizer.restore(m, v, updates);
            WeightCodec.decodeInto(weights, WeightFormat.FP32, model, scope);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
        }
        return state;
    }

    /** The trainer's state of a checkpoint, after verifying {@code state.json} (e.g. to list checkpoints). */
    public static TrainingState readState(Path dir) throws IOException {
        return parse(ArtifactReader.open(dir, Manifest.CHECKPOINT, TrainingState.FILE), TrainingState.FILE);
    }

    private static TrainingState parse(ArtifactReader r, String file) throws InvalidArtifactException {
        byte[] bytes = r.read(file);
        try {
            return TrainingState.fromJson(bytes);
        } catch (IllegalArgumentException e) {
            throw r.invalid(file, e);
        }
    }

    static Safetensors.Contents safetensors(ArtifactReader r, String file, byte[] bytes, NDManager scope)
            throws InvalidArtifactException {
        try {
            return Safetensors.read(bytes, scope, file);
        } catch (IllegalArgumentException e) {
            throw new InvalidArtifactException(r.dir(), e.getMessage(), e);
        }
    }

    private static long updates(ArtifactReader r, Safetensors.Contents opt) throws InvalidArtifactException {
        String updates = opt.metadata().get(UPDATES_KEY);
        try {
            return Long.parseLong(updates);
        } catch (NumberFormatException e) {
            throw new InvalidArtifactException(
                    r.dir(), OPTIMIZER + ": metadata " + UPDATES_KEY + " must be an integer, got " + updates);
        }
    }

    /** A scope next to the model's parameters, for arrays that live only during one read or write. */
    static NDManager scopeFor(Gpt model) {
        return model.getParameters().valueAt(0).getArray().getManager().newSubManager();
    }
}
