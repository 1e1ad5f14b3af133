package io.distill.lm.artifact;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.lm.Json;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.tokenize.ByteTokenizer;
import java.nio.charset.StandardCharsets;

/**
 * {@code config.json} of a checkpoint or bundle: the model's shape and the tokenizer it reads, so a loader can
 * build the right {@link Gpt} and refuse a model made for another tokenizer.
 *
 * <pre>
 * {"model": {"layers": 5, "heads": 4, "dModel": 128, "context": 256, "vocab": 259, "dropout": 0.0},
 *  "tokenizer": {"id": "byte-v1", "checksum": "3b1f..."}}
 * </pre>
 */
record ModelDescription(LmConfig model, String tokenizerId, String tokenizerChecksum) {

    static final String FILE = "config.json";
    /** A Hugging Face tokenizer's file, carried as a companion by models that read one. */
    static final String TOKENIZER_FILE = "tokenizer.json";

    /** A model that reads the project's byte tokenizer. */
    static ModelDescription of(LmConfig model) {
        return of(model, CompanionFiles.BYTE_LEVEL);
    }

    /** A model that reads the tokenizer its companion files name. */
    static ModelDescription of(LmConfig model, CompanionFiles companions) {
        return new ModelDescription(model, companions.tokenizerId(), companions.tokenizerChecksum());
    }

    byte[] toJson() {
        ObjectNode root = Json.object();
        // LmConfig owns its keys: its own JSON is nested as is, and read back by LmConfig.fromJson.
        root.set("model", Json.parseObject(model.toJson().getBytes(StandardCharsets.UTF_8), FILE));
        root.putObject("tokenizer").put("id", tokenizerId).put("checksum", tokenizerChecksum);
        return Json.bytes(root);
    }

    static ModelDescription fromJson(byte[] json) {
        ObjectNode root = Json.parseObject(json, FILE);
        LmConfig model;
        try {
            model = LmConfig.fromJson(Json.objectField(root, "model", FILE).toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(FILE + ": model: " + e.getMessage(), e);
        }
        ObjectNode tokenizer = Json.objectField(root, "tokenizer", FILE);
        return new ModelDescription(model, Json.text(tokenizer, "id", FILE), Json.text(tokenizer, "checksum", FILE));
    }

    /**
     * Reads and verifies {@code config.json} of an artifact and checks that its tokenizer can be had: the byte
     * tokenizer of this build, or a Hugging Face tokenizer whose {@code tokenizer.json} the artifact carries (its
     * checksum is compared when the tokenizer is loaded).
     */
    static ModelDescription read(ArtifactReader r) throws InvalidArtifactException {
        byte[] bytes = r.read(FILE);
        try {
            ModelDescription d = fromJson(bytes);
            if (d.tokenizerId.equals(ByteTokenizer.ID)) {
                d.requireByteTokenizer();
            } else if (!r.manifest().files().containsKey(TOKENIZER_FILE)) {
                throw new IllegalArgumentException(
                        FILE + ": tokenizer " + d.tokenizerId + " but no " + TOKENIZER_FILE + " in the artifact");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw r.invalid(FILE, e);
        }
    }

    /** Refuses a model whose tokenizer is not this build's byte tokenizer, or whose vocabulary differs from it. */
    void requireByteTokenizer() {
        ByteTokenizer t = ByteTokenizer.get();
        if (!tokenizerId.equals(t.id()) || !tokenizerChecksum.equals(t.checksum())) {
            throw new IllegalArgumentException(FILE + ": tokenizer " + tokenizerId + " (checksum " + tokenizerChecksum
                    + ") is not this build's " + t.id() + " (checksum " + t.checksum() + ")");
        }
        if (model.vocab() != t.vocabSize()) {
            throw new IllegalArgumentException(FILE + ": vocab " + model.vocab() + " does not match tokenizer " + t.id()
                    + " (" + t.vocabSize() + ")");
        }
    }
}
