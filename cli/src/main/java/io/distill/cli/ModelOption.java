package io.distill.cli;

import ai.djl.ndarray.NDManager;
import io.distill.lm.model.Precision;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --model DIR} of the commands that run a trained model. */
final class ModelOption {
    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            description = "A model directory or checkpoint, or a Hugging Face model directory.")
    Path model;

    /** The model in fp32 with its tokenizer (own or Hugging Face), or a one-line error. */
    ModelFiles.Loaded open(NDManager manager) {
        return ModelFiles.open(model, Precision.FP32, manager);
    }
}
