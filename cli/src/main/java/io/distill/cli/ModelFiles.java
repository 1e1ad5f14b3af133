package io.distill.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.distill.lm.Sha256;
import io.distill.lm.artifact.InvalidArtifactException;
import io.distill.lm.artifact.ModelBundle;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.Precision;
import io.distill.lm.model.PrecisionChoice;
import io.distill.teacher.TeacherModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Model directories and precision flags as the commands take them, with one-line errors. */
public final class ModelFiles {
    private ModelFiles() {}

    /** Loads a model bundle or checkpoint directory. */
    public static Gpt load(Path dir, Precision precision, NDManager manager) {
        if (!Files.isDirectory(dir)) {
            throw new CliException(
                    CliException.BAD_INPUT, "no model directory at " + dir + " (make one with `distill pretrain`)");
        }
        try {
            return ModelBundle.load(dir, precision, manager);
        } catch (InvalidArtifactException e) {
            throw new CliException(
                    CliException.BAD_INPUT, "cannot load the model in " + dir + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CliException(CliException.FAILED, "cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads a trained model as a teacher, identified by its directory name and the hash of its manifest (which
     * covers every file).
     */
    public static TeacherModel loadTeacher(Path dir, Precision precision, NDManager manager) {
        Gpt gpt = load(dir, precision, manager);
        try {
            String version = Sha256.hex(dir.resolve("manifest.json")).substring(0, 12);
            return new TeacherModel(gpt, dir.toAbsolutePath().getFileName().toString(), version);
        } catch (IOException e) {
            throw new CliException(CliException.FAILED, "cannot read " + dir + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, "cannot use " + dir + " as a teacher: " + e.getMessage(), e);
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
