package io.distill.lm.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * BOS, EOS and whether documents start with BOS, as a Hugging Face directory says.
 *
 * <p>Sources, first that answers wins: {@code tokenizer_config.json} ({@code bos_token}, {@code eos_token} by text,
 * {@code add_bos_token}), then {@code config.json} and {@code generation_config.json} ({@code bos_token_id},
 * {@code eos_token_id}; of a list of EOS ids the first). When {@code add_bos_token} is absent, documents start with BOS
 * if {@code tokenizer.json}'s post-processor puts a special token first (Llama 3's {@code TemplateProcessing}), as
 * transformers' fast tokenizers do.
 */
record TokenizerSpecials(OptionalInt bos, OptionalInt eos, boolean addsBos) {

    static TokenizerSpecials read(Path dir, JsonNode tokenizerJson, HfVocabulary vocab) {
        Optional<JsonNode> tokenizerConfig = HfJson.readIfPresent(dir.resolve("tokenizer_config.json"));
        List<JsonNode> idConfigs = Stream.of("config.json", "generation_config.json")
                .flatMap(name -> HfJson.readIfPresent(dir.resolve(name)).stream())
                .toList();
        Optional<String> templateFirst = templateFirstSpecial(tokenizerJson.path("post_processor"));

        OptionalInt bos = resolve(dir, tokenizerConfig, "bos_token", idConfigs, vocab);
        OptionalInt eos = resolve(dir, tokenizerConfig, "eos_token", idConfigs, vocab);
        JsonNode addBos = tokenizerConfig.map(c -> c.path("add_bos_token")).orElse(null);
        boolean addsBos = addBos != null && addBos.isBoolean() ? addBos.asBoolean() : templateFirst.isPresent();
        if (addsBos && bos.isEmpty() && templateFirst.isPresent()) {
            bos = idOf(dir, templateFirst.get(), vocab);
        }
        if (addsBos && bos.isEmpty()) {
            throw new IllegalArgumentException("tokenizer in " + dir + " adds BOS but names no BOS token");
        }
        return new TokenizerSpecials(bos, eos, addsBos);
    }

    private static OptionalInt resolve(
            Path dir, Optional<JsonNode> tokenizerConfig, String field, List<JsonNode> idConfigs, HfVocabulary vocab) {
        Optional<String> text = tokenizerConfig.flatMap(c -> HfJson.tokenText(c, field));
        if (text.isPresent()) {
            return idOf(dir, text.get(), vocab);
        }
        for (JsonNode config : idConfigs) {
            JsonNode id = config.path(field + "_id");
            JsonNode first = id.isArray() ? id.path(0) : id;
            if (first.canConvertToInt()) {
                if (first.asInt() < 0 || first.asInt() >= vocab.size() || vocab.token(first.asInt()) == null) {
                    throw new IllegalArgumentException(
                            "config in " + dir + " names " + field + "_id " + first + ", not in the vocabulary");
                }
                return OptionalInt.of(first.asInt());
            }
        }
        return OptionalInt.empty();
    }

    private static OptionalInt idOf(Path dir, String token, HfVocabulary vocab) {
        OptionalInt id = vocab.idOf(token);
        if (id.isEmpty()) {
            throw new IllegalArgumentException("tokenizer in " + dir + " names " + token + ", not in its vocabulary");
        }
        return id;
    }

    /** The special token a TemplateProcessing puts before the single sequence, also inside a Sequence processor. */
    private static Optional<String> templateFirstSpecial(JsonNode postProcessor) {
        if ("Sequence".equals(postProcessor.path("type").asText())) {
            for (JsonNode p : postProcessor.path("processors")) {
                Optional<String> first = templateFirstSpecial(p);
                if (first.isPresent()) {
                    return first;
                }
            }
            return Optional.empty();
        }
        if (!"TemplateProcessing".equals(postProcessor.path("type").asText())) {
            return Optional.empty();
        }
        JsonNode special =
                postProcessor.path("single").path(0).path("SpecialToken").path("id");
        return special.isTextual() ? Optional.of(special.asText()) : Optional.empty();
    }
}
