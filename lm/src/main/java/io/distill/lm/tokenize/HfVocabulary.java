package io.distill.lm.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The id space of a BPE {@code tokenizer.json}: the model's vocabulary and merges plus the added tokens, and the
 * canonical text the checksum is taken over.
 */
final class HfVocabulary {
    /** Token text by id; null where no token has that id. Added tokens override the model's text, as in HF. */
    private final String[] tokens;

    private final boolean[] special;
    private final boolean[] added;
    private final Map<String, Integer> ids;
    private final List<String[]> merges;

    private HfVocabulary(String[] tokens, boolean[] special, boolean[] added, List<String[]> merges) {
        this.tokens = tokens;
        this.special = special;
        this.added = added;
        this.merges = merges;
        this.ids = new HashMap<>(tokens.length * 2);
        for (int id = 0; id < tokens.length; id++) {
            if (tokens[id] != null && (added[id] || !ids.containsKey(tokens[id]))) {
                ids.put(tokens[id], id);
            }
        }
    }

    static HfVocabulary of(JsonNode tokenizerJson, Path file) {
        JsonNode model = tokenizerJson.path("model");
        String type = model.path("type").asText("BPE");
        if (!"BPE".equals(type)) {
            throw new IllegalArgumentException(
                    "tokenizer file " + file + " has a " + type + " model; only BPE tokenizers are supported");
        }
        JsonNode vocab = model.path("vocab");
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new IllegalArgumentException("tokenizer file " + file + " has no model.vocab");
        }
        Map<Integer, String> byId = new HashMap<>(vocab.size() * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            byId.put(tokenId(e.getValue(), file), e.getKey());
        }
        Map<Integer, JsonNode> addedById = new HashMap<>();
        for (JsonNode a : tokenizerJson.path("added_tokens")) {
            addedById.put(tokenId(a.path("id"), file), a);
        }
        int size = 1
                + Math.max(
                        byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1),
                        addedById.keySet().stream()
                                .mapToInt(Integer::intValue)
                                .max()
                                .orElse(-1));
        String[] tokens = new String[size];
        boolean[] special = new boolean[size];
        boolean[] added = new boolean[size];
        byId.forEach((id, token) -> tokens[id] = token);
        addedById.forEach((id, a) -> {
            tokens[id] = a.path("content").asText();
            special[id] = a.path("special").asBoolean(false);
            added[id] = true;
        });
        return new HfVocabulary(tokens, special, added, merges(model.path("merges"), file));
    }

    private static int tokenId(JsonNode id, Path file) {
        if (!id.canConvertToInt() || id.asInt() < 0) {
            throw new IllegalArgumentException(
                    "tokenizer file " + file + " has a token id that is not an int >= 0: " + id);
        }
        return id.asInt();
    }

    /** Merges come as {@code "a b"} (older files) or {@code ["a", "b"]} (tokenizers >= 0.20); both read the same. */
    private static List<String[]> merges(JsonNode node, Path file) {
        List<String[]> merges = new ArrayList<>(node.size());
        for (JsonNode m : node) {
            String[] pair;
            if (m.isTextual()) {
                pair = m.asText().split(" ", -1);
            } else if (m.isArray()) {
                pair = new String[m.size()];
                for (int i = 0; i < pair.length; i++) {
                    pair[i] = m.get(i).asText();
                }
            } else {
                pair = new String[0];
            }
            if (pair.length != 2) {
                throw new IllegalArgumentException("tokenizer file " + file + " has a malformed merge: " + m);
            }
            merges.add(pair);
        }
        return merges;
    }

    int size() {
        return tokens.length;
    }

    /** The token's text, or null if no token has this id. */
    String token(int id) {
        return tokens[id];
    }

    boolean isSpecial(int id) {
        return id >= 0 && id < tokens.length && special[id];
    }

    boolean isAdded(int id) {
        return added[id];
    }

    OptionalInt idOf(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /**
     * One line per fact, in a fixed order: every id with its text (and whether it is added, special), then every merge
     * in rank order. Whitespace inside tokens is escaped so each fact stays on one line. The JSON's key order and
     * formatting do not enter, so re-saving the same tokenizer keeps its checksum.
     */
    String canonicalDescription() {
        StringBuilder sb = new StringBuilder(tokens.length * 16 + merges.size() * 12);
        sb.append("hf-bpe v1\nvocab ").append(tokens.length).append('\n');
        for (int id = 0; id < tokens.length; id++) {
            if (tokens[id] == null) {
                continue;
            }
            sb.append(id).append('\t');
            sb.append(special[id] ? "special" : added[id] ? "added" : "model").append('\t');
            escape(tokens[id], sb).append('\n');
        }
        sb.append("merges ").append(merges.size()).append('\n');
        for (String[] m : merges) {
            escape(m[1], escape(m[0], sb).append('\t')).append('\n');
        }
        return sb.toString();
    }

    private static StringBuilder escape(String s, StringBuilder sb) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(c);
            }
        }
        return sb;
    }
}
