package io.distill.lm;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The JSON of the files a checkpoint or bundle holds ({@code config.json}, {@code state.json}, {@code
 * manifest.json}, safetensors headers): one strict mapper and field readers whose errors say which file and which
 * key. Tree model rather than data binding, so every file's layout is visible in the code that writes it.
 */
public final class Json {

    /**
     * Duplicate keys and trailing garbage are errors, not last-one-wins; decimals are read as written (big
     * decimal), so a float written by {@link Float#toString} reads back bit for bit.
     */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private Json() {}

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return (MAPPER.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain nodes always serialises", e);
        }
    }

    /** Parses {@code bytes} as one JSON object; {@code file} names it in the error. */
    public static ObjectNode parseObject(byte[] bytes, String file) {
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    file + ": not valid JSON: " + e.getOriginalMessage() + " at line "
                            + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr(),
                    e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object");
        }
        return (ObjectNode) node;
    }

    public static JsonNode field(JsonNode object, String key, String file) {
        JsonNode value = object.get(key);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException(file + ": missing \"" + key + "\"");
        }
        return value;
    }

    public static ObjectNode objectField(JsonNode object, String key, String file) {
        JsonNode value = field(object, key, file);
        if (!value.isObject()) {
            throw new IllegalArgumentException(file + ": \"" + key + "\" must be an object");
        }
        return (ObjectNode) value;
    }

    public static String text(JsonNode object, String key, String file) {
        JsonNode value = field(object, key, file);
        if (!value.isTextual()) {
            throw new IllegalArgumentException(file + ": \"" + key + "\" must be a string, got " + value);
        }
        return value.textValue();
    }

    public static long longValue(JsonNode object, String key, String file) {
        return asLong(field(object, key, file), key, file);
    }

    public static long asLong(JsonNode value, String what, String file) {
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new IllegalArgumentException(file + ": \"" + what + "\" must be an integer, got " + value);
        }
        return value.longValue();
    }

    /** A float written with {@link Float#toString}, read back exactly: the decimal text is parsed as a float. */
    public static float floatValue(JsonNode object, String key, String file) {
        JsonNode value = field(object, key, file);
        if (!value.isNumber()) {
            throw new IllegalArgumentException(file + ": \"" + key + "\" must be a number, got " + value);
        }
        return Float.parseFloat(value.asText());
    }
}
