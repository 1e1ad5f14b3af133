package io.distill.cli;

import io.distill.lm.model.PrecisionChoice;
import picocli.CommandLine.Option;

/**
 * {@code --precision}, shared by every command that runs a model. The default is the command's (most say auto; a
 * benchmark names one so that its baseline runs at the same precision), given to the constructor.
 */
final class PrecisionOption {
    @Option(
            names = "--precision",
            paramLabel = "fp32|bf16|fp16|auto",
            description = "Precision of the matrix products; auto is bf16 on CPUs with native bf16, fp16 with loss "
                    + "scaling on CUDA, else fp32 (default: ${DEFAULT-VALUE}).")
    String flag;

    PrecisionOption(String defaultFlag) {
        this.flag = defaultFlag;
    }

    /** The precision for the CPU this runs on, or a one-line error. */
    PrecisionChoice resolve() {
        return ModelFiles.precision(flag);
    }
}
