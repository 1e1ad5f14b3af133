package io.distill.lm.tokenize;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** Token ids from an npm package's own JavaScript tokenizer, by running {@code reference-encode.js} under node. */
final class ReferenceTokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReferenceTokenizer() {}

    static int[][] encode(String name, List<String> texts) throws IOException, InterruptedException {
        Path script = Files.createTempFile("reference-encode", ".js");
        try {
            try (InputStream in = ReferenceTokenizer.class.getResourceAsStream("reference-encode.js")) {
                Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
            }
            Path stderr = Files.createTempFile("reference-encode", ".err");
            Process node = new ProcessBuilder(
                            "node",
                            script.toString(),
                            TokenizerCache.nodeModules().toString(),
                            name)
                    .redirectError(stderr.toFile())
                    .start();
            try (OutputStream stdin = node.getOutputStream()) {
                JSON.writeValue(stdin, texts);
            }
            byte[] out = node.getInputStream().readAllBytes();
            int exit = node.waitFor();
            String err = Files.readString(stderr);
            Files.delete(stderr);
            if (exit != 0) {
                throw new IllegalStateException("node reference-encode.js " + name + " exited " + exit + ": " + err);
            }
            return JSON.readValue(out, int[][].class);
        } finally {
            Files.delete(script);
        }
    }
}
