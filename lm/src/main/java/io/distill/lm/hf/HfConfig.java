package io.distill.lm.hf;

import io.distill.lm.model.LmConfig;

/**
 * What a Hugging Face model directory's {@code config.json} (and {@code generation_config.json}) say: the family,
 * the model's shape as an {@link LmConfig}, the special token ids, and the declared dtype ({@code torch_dtype} or
 * {@code dtype}; null when absent), which is informational: weights load as fp32 whatever their stored type.
 */
public record HfConfig(Family family, LmConfig model, SpecialTokens tokens, String dtype) {}
