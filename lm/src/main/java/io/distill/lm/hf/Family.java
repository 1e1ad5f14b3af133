package io.distill.lm.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.lm.model.LmConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face architecture as one configuration of distill's model: how its {@code config.json} maps to an
 * {@link LmConfig} and back, and its mapping table between Hugging Face tensor names and {@code
 * Gpt.parametersByPath()}. Import and export use the same table.
 */
public interface Family {

    /**
     * The supported architectures. A method, not a constant: an interface with default methods is initialised
     * with its implementations, before their constants exist.
     */
    static List<Family> all() {
        return List.of(LlamaFamily.LLAMA, LlamaFamily.QWEN2, Gpt2Family.GPT2);
    }

    /** {@code LlamaForCausalLM}, {@code Qwen2ForCausalLM}, {@code GPT2LMHeadModel}. */
    String architecture();

    /** The {@code model_type} transformers pairs with the architecture. */
    String modelType();

    /**
     * The model {@code config} describes. Refuses any field that changes the math in a way the model does not
     * implement, naming it (IllegalArgumentException).
     */
    LmConfig config(ConfigFields config);

    /**
     * {@code config.json} for {@code model} as transformers writes it for this family (without the ids and dtype,
     * which the caller adds); its keys are sorted when written.
     */
    ObjectNode configJson(LmConfig model);

    /** The mapping table for a model of shape {@code model}: every parameter once, in the model's order. */
    List<TensorRule> tensors(LmConfig model);

    /**
     * The stored names of a checkpoint as the table spells them, for names that differ only by history (GPT-2's hub
     * files have no {@code transformer.} prefix); stored tensors that carry no parameter (GPT-2's causal-mask
     * buffers) are left out of the map.
     */
    default Map<String, String> canonicalNames(Set<String> stored) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        stored.forEach(name -> out.put(name, name));
        return out;
    }

    /** The name of the output head when it is stored although tied to the embedding, and the embedding's name. */
    String headName();

    String embeddingName();

    /** The family of a {@code config.json}, by its single {@code architectures} entry and {@code model_type}. */
    static Family of(ConfigFields config) {
        JsonNode archs = config.get("architectures");
        if (archs == null || !archs.isArray() || archs.size() != 1) {
            throw new IllegalArgumentException(
                    HfFiles.CONFIG + ": \"architectures\" must name exactly one architecture, got " + archs);
        }
        String name = archs.get(0).asText();
        for (Family f : all()) {
            if (f.architecture().equals(name)) {
                String type = config.text("model_type", f.modelType());
                ConfigFields.refuse(
                        !type.equals(f.modelType()), "model_type " + type + " does not match architecture " + name);
                return f;
            }
        }
        throw new IllegalArgumentException(HfFiles.CONFIG + ": architecture " + name + " is not supported (supported: "
                + all().stream().map(Family::architecture).toList() + ")");
    }
}
