package io.distill.cli;

import ai.djl.ndarray.NDManager;
import io.distill.lm.artifact.InvalidArtifactException;
import io.distill.lm.artifact.ModelBundle;
import io.distill.lm.hf.HfExport;
import io.distill.lm.hf.HfStudent;
import io.distill.lm.model.Gpt;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "export",
        description = "Write a student of a Hugging Face teacher (a checkpoint or a pulled bundle) as a Hugging Face "
                + "model directory: config.json, model.safetensors with Hugging Face tensor names, "
                + "generation_config.json and the teacher's tokenizer files, for transformers, vLLM or llama.cpp's "
                + "converter.",
        footer = {
            "",
            "Example:",
            "  distill export --model distill-data/pulled/small-llama/12 --format hf --out small-llama-hf",
            ""
        })
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A checkpoint or bundle directory.")
    Path model;

    @Option(
            names = "--format",
            defaultValue = "hf",
            paramLabel = "FORMAT",
            description = "Output format; hf is the one there is (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(
            names = "--dtype",
            defaultValue = "f32",
            paramLabel = "TYPE",
            description = "Stored weight type: f32, bf16 or f16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The new directory to write.")
    Path out;

    @Override
    public Integer call() {
        if (!format.equals("hf")) {
            throw new CliException(CliException.BAD_INPUT, "--format must be hf, got " + format);
        }
        HfExport.Dtype type;
        try {
            type = HfExport.Dtype.valueOf(dtype.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, "--dtype must be f32, bf16 or f16, got " + dtype, e);
        }
        toHuggingFace(model, out, type);
        spec.commandLine().getOut().println("exported " + model + " as a Hugging Face model to " + out);
        return 0;
    }

    /** Writes the student artifact {@code artifactDir} as a Hugging Face directory at {@code out}. */
    static void toHuggingFace(Path artifactDir, Path out, HfExport.Dtype dtype) {
        if (!Files.isDirectory(artifactDir)) {
            throw new CliException(CliException.BAD_INPUT, "no model directory at " + artifactDir);
        }
        if (!HfStudent.isStudentArtifact(artifactDir)) {
            throw new CliException(
                    CliException.BAD_INPUT,
                    artifactDir + " is not a student of a Hugging Face model"
                            + " (train one with --init-from-teacher or --student-config)");
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt gpt = ModelBundle.load(artifactDir, manager);
            HfStudent.export(artifactDir, gpt, out, dtype);
        } catch (FileAlreadyExistsException e) {
            throw new CliException(CliException.BAD_INPUT, out + " exists; choose a new --out", e);
        } catch (InvalidArtifactException | IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, "cannot export " + artifactDir + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CliException(CliException.FAILED, "cannot export " + artifactDir + ": " + e.getMessage(), e);
        }
    }
}
