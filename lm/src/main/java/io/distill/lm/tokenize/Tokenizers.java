package io.distill.lm.tokenize;

import java.nio.file.Files;
import java.nio.file.Path;

/** The tokenizer of a model directory. */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * A Hugging Face directory (it has {@code tokenizer.json}) gets its {@link HfTokenizer}.
     *
     * @throws IllegalArgumentException if {@code dir} has no {@code tokenizer.json} or it cannot be loaded
     */
    public static Tokenizer forModelDir(Path dir) {
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new IllegalArgumentException("no tokenizer.json in model directory " + dir);
        }
        return HfTokenizer.load(dir);
    }
}
