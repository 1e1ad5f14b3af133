package io.distill.cli;

import ai.djl.ndarray.NDManager;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.Precision;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --model DIR} of the commands that run a trained model. */
final class ModelOption {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A model directory or checkpoint.")
    Path model;

    /** The model in fp32, or a one-line error. */
    Gpt load(NDManager manager) {
        return ModelFiles.load(model, Precision.FP32, manager);
    }
}
