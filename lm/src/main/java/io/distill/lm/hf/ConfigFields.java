package io.distill.lm.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.lm.Json;

/**
 * Typed reads of {@code config.json} fields with transformers' defaults (a missing key and an explicit null both
 * mean the default, as in the config classes' constructors), and refusals whose message names the field.
 */
final class ConfigFields {

    private final ObjectNode json;

    ConfigFields(ObjectNode json) {
        this.json = json;
    }

    ObjectNode json() {
        return json;
    }

    boolean has(String key) {
        JsonNode v = json.get(key);
        return v != null && !v.isNull();
    }

    JsonNode get(String key) {
        return has(key) ? json.get(key) : null;
    }

    int integer(String key) {
        return toInt(Json.field(json, key, HfFiles.CONFIG), key);
    }

    int integer(String key, int fallback) {
        return has(key) ? integer(key) : fallback;
    }

    double number(String key, double fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode v = json.get(key);
        if (!v.isNumber()) {
            throw new IllegalArgumentException(HfFiles.CONFIG + ": \"" + key + "\" must be a number, got " + v);
        }
        return v.doubleValue();
    }

    boolean bool(String key, boolean fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode v = json.get(key);
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(HfFiles.CONFIG + ": \"" + key + "\" must be true or false, got " + v);
        }
        return v.booleanValue();
    }

    String text(String key, String fallback) {
        return has(key) ? Json.text(json, key, HfFiles.CONFIG) : fallback;
    }

    /** Refuses a setting that would change the math in a way the model does not implement. */
    static void refuse(boolean unsupported, String what) {
        if (unsupported) {
            throw new IllegalArgumentException(HfFiles.CONFIG + ": " + what);
        }
    }

    static int toInt(JsonNode v, String key) {
        long value = Json.asLong(v, key, HfFiles.CONFIG);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(HfFiles.CONFIG + ": \"" + key + "\" out of range: " + value);
        }
        return (int) value;
    }
}
