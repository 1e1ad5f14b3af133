package io.distill.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.distill.lm.Sha256;
import io.distill.lm.artifact.InvalidArtifactException;
import io.distill.lm.artifact.ModelBundle;
import io.distill.lm.hf.HfImport;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.model.PrecisionChoice;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.tokenize.Tokenizer;
import io.distill.lm.tokenize.Tokenizers;
import io.distill.teacher.TeacherModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Model directories and precision flags as the commands take them, with one-line errors. */
public final class ModelFiles {
    private ModelFiles() {}

    /** A model and the tokenizer whose ids it reads. */
    public record Loaded(Gpt model, Tokenizer tokenizer) {}

    /** Loads a model bundle or checkpoint directory of the own byte-level models. */
    public static Gpt load(Path dir, Precision precision, NDManager manager) {
        Loaded loaded = open(dir, precision, manager);
        if (!(loaded.tokenizer() instanceof ByteTokenizer)) {
            throw new CliException(
                    CliException.BAD_INPUT,
                    dir + " is a Hugging Face model; this command takes the"
                            + " project's own byte-level models (distill pretrain)");
        }
        return loaded.model();
    }

    /** The shape of the model in any model directory (Hugging Face or own), without loading its weights. */
    public static LmConfig readConfig(Path dir) throws IOException {
        return HfImport.isHfModel(dir) ? HfImport.readConfig(dir).model() : ModelBundle.readConfig(dir);
    }

    /**
     * Loads any model directory: a Hugging Face one (its {@code config.json} names {@code architectures}) with its
     * {@code tokenizer.json}, or a bundle or checkpoint of the own byte-level models.
     */
    public static Loaded open(Path dir, Precision precision, NDManager manager) {
        if (!Files.isDirectory(dir)) {
            throw new CliException(
                    CliException.BAD_INPUT, "no model directory at " + dir + " (make one with `distill pretrain`)");
        }
        try {
            if (HfImport.isHfModel(dir)) {
                Tokenizer tokenizer = Tokenizers.forModelDir(dir);
                return new Loaded(HfImport.load(dir, precision, manager).gpt(), tokenizer);
            }
            // a bundle of a Hugging Face family's student carries its tokenizer
            return new Loaded(ModelBundle.load(dir, precision, manager), ModelBundle.tokenizer(dir));
        } catch (InvalidArtifactException | IllegalArgumentException e) {
            throw new CliException(
                    CliException.BAD_INPUT, "cannot load the model in " + dir + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CliException(CliException.FAILED, "cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads a trained model as a teacher, identified by its directory name and a hash: of the manifest (which covers
     * every file) for the own models, of {@code config.json} and the weight files' names and sizes for a Hugging
     * Face directory (hashing gigabytes of weights at every start would delay the service by minutes).
     */
    public static TeacherModel loadTeacher(Path dir, Precision precision, NDManager manager) {
        Loaded loaded = open(dir, precision, manager);
        try {
            String version = HfImport.isHfModel(dir)
                    ? Sha256.hex(hfFingerprint(dir)).substring(0, 12)
                    : Sha256.hex(dir.resolve("manifest.json")).substring(0, 12);
            return new TeacherModel(
                    loaded.model(),
                    loaded.tokenizer(),
                    dir.toAbsolutePath().getFileName().toString(),
                    version);
        } catch (IOException e) {
            throw new CliException(CliException.FAILED, "cannot read " + dir + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, "cannot use " + dir + " as a teacher: " + e.getMessage(), e);
        }
    }

    private static byte[] hfFingerprint(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder(Files.readString(dir.resolve("config.json")));
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                    .sorted()
                    .toList()) {
                sb.append('\n').append(f.getFileName()).append(' ').append(Files.size(f));
            }
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A named model size (tiny, student-1m, teacher-15m), or a one-line error: the one place commands name sizes. */
    public static LmConfig namedSize(String size) {
        try {
            return LmConfig.named(size);
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, e.getMessage());
        }
    }

    /** Resolves --precision for the CPU this runs on. */
    public static PrecisionChoice precision(String flag) {
        try {
            return PrecisionChoice.resolve(flag, Device.cpu(), PrecisionChoice.cpuFlags());
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, "--precision: " + e.getMessage(), e);
        }
    }

    /** The corpus name that means the demo corpus inside the jar: the project's own docs and sources. */
    static final String BUILTIN_CORPUS = "builtin";

    /** Reads a corpus file, or the built-in demo corpus, with the errors a user can act on. */
    public static byte[] readCorpus(Path file) {
        if (file.toString().equals(BUILTIN_CORPUS)) {
            try (InputStream in = ModelFiles.class.getResourceAsStream("/demo-corpus.txt")) {
                if (in == null) {
                    throw new CliException(CliException.FAILED, "this build has no built-in corpus");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new CliException(CliException.FAILED, "cannot read the built-in corpus: " + e.getMessage(), e);
            }
        }
        if (!Files.isReadable(file)) {
            throw new CliException(CliException.BAD_INPUT, "cannot read corpus " + file);
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CliException(CliException.BAD_INPUT, "cannot read corpus " + file + ": " + e.getMessage(), e);
        }
    }
}
