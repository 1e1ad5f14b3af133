package io.distill.lm.hf;

import io.distill.lm.model.Gpt;

/** A Hugging Face model loaded as distill's model: its config and the {@link Gpt} with fp32 parameters. */
public record HfModel(HfConfig config, Gpt gpt) {}
