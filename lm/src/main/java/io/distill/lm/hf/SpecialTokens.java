package io.distill.lm.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.lm.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The beginning- and end-of-sequence ids a Hugging Face model declares: {@code bos_token_id} and {@code
 * eos_token_id} of {@code config.json}, overridden by {@code generation_config.json} when that file has them (as
 * transformers' {@code generate} does). {@code eos_token_id} may be one id or a list (Llama 3 instruct models stop
 * at several).
 */
public record SpecialTokens(OptionalInt bos, List<Integer> eos) {

    public SpecialTokens {
        eos = List.copyOf(eos);
    }

    /** The ids of {@code config}, with those {@code generation} sets (or null when there is no such file). */
    static SpecialTokens read(ObjectNode config, ObjectNode generation) {
        SpecialTokens fromConfig = of(config, HfFiles.CONFIG, new SpecialTokens(OptionalInt.empty(), List.of()));
        return generation == null ? fromConfig : of(generation, HfFiles.GENERATION_CONFIG, fromConfig);
    }

    private static SpecialTokens of(ObjectNode json, String file, SpecialTokens fallback) {
        OptionalInt bos = fallback.bos();
        JsonNode b = json.get("bos_token_id");
        if (b != null && !b.isNull()) {
            bos = OptionalInt.of((int) Json.asLong(b, "bos_token_id", file));
        }
        List<Integer> eos = fallback.eos();
        JsonNode e = json.get("eos_token_id");
        if (e != null && !e.isNull()) {
            List<Integer> ids = new ArrayList<>();
            if (e.isArray()) {
                e.forEach(id -> ids.add((int) Json.asLong(id, "eos_token_id", file)));
            } else {
                ids.add((int) Json.asLong(e, "eos_token_id", file));
            }
            eos = ids;
        }
        return new SpecialTokens(bos, eos);
    }

    /** As transformers writes them: absent ids as null, a single end id as a number, several as a list. */
    void writeTo(ObjectNode json) {
        if (bos.isPresent()) {
            json.put("bos_token_id", bos.getAsInt());
        } else {
            json.putNull("bos_token_id");
        }
        if (eos.isEmpty()) {
            json.putNull("eos_token_id");
        } else if (eos.size() == 1) {
            json.put("eos_token_id", eos.get(0));
        } else {
            eos.forEach(json.putArray("eos_token_id")::add);
        }
    }
}
