package io.distill.lm.tokenize;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Reads the JSON files of a Hugging Face directory; any failure is one line that names the file. */
final class HfJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private HfJson() {}

    /** The parsed object in {@code file}, which must exist. */
    static JsonNode read(Path file) {
        try {
            return parse(file, Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("missing tokenizer file " + file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read tokenizer file " + file + ": " + e.getMessage());
        }
    }

    /** The parsed object in {@code file}, or empty if there is no such file (the optional configs). */
    static Optional<JsonNode> readIfPresent(Path file) {
        return Files.exists(file) ? Optional.of(read(file)) : Optional.empty();
    }

    static JsonNode parse(Path file, String json) {
        try {
            JsonNode node = MAPPER.readTree(json);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("tokenizer file " + file + " is not a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tokenizer file " + file + " is not valid JSON: "
                    + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
    }

    /** {@code node[field]} if it is a string or an {@code AddedToken} object's content; empty if absent or null. */
    static Optional<String> tokenText(JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (value.isTextual()) {
            return Optional.of(value.asText());
        }
        if (value.isObject() && value.path("content").isTextual()) {
            return Optional.of(value.path("content").asText());
        }
        return Optional.empty();
    }
}
