package io.distill.lm.hf;

import java.util.List;

/** The file names of a Hugging Face model directory, as {@code save_pretrained} writes them. */
final class HfFiles {

    static final String CONFIG = "config.json";
    static final String GENERATION_CONFIG = "generation_config.json";
    static final String WEIGHTS = "model.safetensors";
    static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    /**
     * Tokenizer files an export copies from the teacher's directory byte for byte, when present: the fast
     * tokenizer, its settings, and the slow tokenizers' vocabularies (SentencePiece model, GPT-2 vocab and merges).
     */
    static final List<String> TOKENIZER = List.of(
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "added_tokens.json",
            "tokenizer.model",
            "vocab.json",
            "merges.txt");

    private HfFiles() {}
}
