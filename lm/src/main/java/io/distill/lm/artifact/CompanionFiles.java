package io.distill.lm.artifact;

import io.distill.lm.tokenize.ByteTokenizer;
import java.util.Map;
import java.util.TreeMap;

/**
 * What every artifact of a model carries besides its weights: the tokenizer it reads (named in {@code config.json}
 * by id and checksum) and files copied into the artifact byte for byte, covered by the manifest like the rest. A
 * student of a Hugging Face teacher carries the teacher's tokenizer files and its family, so any of its checkpoints
 * can be loaded with its tokenizer or exported as a Hugging Face directory on its own; the own byte-level models
 * carry nothing ({@link #BYTE_LEVEL}).
 *
 * @param files file name to content; names are plain file names, never {@code config.json}, {@code manifest.json}
 *     or a weight file's
 */
public record CompanionFiles(String tokenizerId, String tokenizerChecksum, Map<String, byte[]> files) {

    /** The own models: the byte tokenizer, no files. */
    public static final CompanionFiles BYTE_LEVEL =
            new CompanionFiles(ByteTokenizer.ID, ByteTokenizer.get().checksum(), Map.of());

    public CompanionFiles {
        files = new TreeMap<>(files);
        for (String name : files.keySet()) {
            if (name.isEmpty()
                    || name.contains("/")
                    || name.contains("\\")
                    || name.startsWith(".")
                    || name.equals(ModelDescription.FILE)
                    || name.equals(Manifest.FILE)
                    || name.endsWith(".safetensors")) {
                throw new IllegalArgumentException("not a companion file name: '" + name + "'");
            }
        }
    }

    boolean isByteLevel() {
        return tokenizerId.equals(ByteTokenizer.ID);
    }
}
