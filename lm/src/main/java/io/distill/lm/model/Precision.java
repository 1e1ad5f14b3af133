package io.distill.lm.model;

import java.util.Locale;

/**
 * The numeric precision of the model's matrix products. Master weights, LayerNorm, softmax and losses are fp32 in
 * every mode; only the products run lower (as {@code torch.autocast} does).
 */
public enum Precision {
    /** Everything in fp32. */
    FP32,
    /** Products in bfloat16: fp32's range with 8 bits of mantissa, so no loss scaling. The CPU mixed-precision path. */
    BF16,
    /**
     * Products in float16, with dynamic loss scaling since fp16's range is narrow. The CUDA path; correct but slow
     * on CPUs, which have no fast fp16 matmul.
     */
    FP16;

    /** Whether small gradients would underflow without scaling the loss first. */
    public boolean needsLossScaling() {
        return this == FP16;
    }

    /** The lower-case name used on the command line. */
    public String flag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
