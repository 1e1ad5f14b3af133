package io.distill.lm.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The exact bytes of every id, from the vocabulary and the {@code decoder} of a {@code tokenizer.json}.
 *
 * <p>Decoding from this table, rather than through the Rust tokenizer's {@code decode}, gives bytes: a token that ends
 * inside a UTF-8 character keeps its partial bytes instead of becoming U+FFFD, which bits per byte and streaming
 * generation need. The decoder steps are interpreted as Hugging Face defines them, per token ({@code ByteLevel},
 * {@code Replace}, {@code ByteFallback}, {@code Metaspace}) and on the whole output ({@code Fuse}, {@code Strip}).
 * Any other step is refused rather than approximated.
 *
 * <p>The leading-space strip of SentencePiece-style decoders (Llama 2's {@code Strip} of one space, {@code Metaspace}'s
 * prefix) undoes the dummy prefix the normalizer put before the text, so {@code decode} treats its ids as the start
 * of a text, as Hugging Face's {@code decode} does.
 */
final class TokenBytes {
    private static final String BYTE_FALLBACK_PREFIX = "<0x";

    private final byte[][] pieces;
    private final byte stripByte;
    private final int stripStart;
    private final int stripStop;

    private TokenBytes(byte[][] pieces, byte stripByte, int stripStart, int stripStop) {
        this.pieces = pieces;
        this.stripByte = stripByte;
        this.stripStart = stripStart;
        this.stripStop = stripStop;
    }

    static TokenBytes of(JsonNode decoder, HfVocabulary vocab, Path file) {
        List<JsonNode> steps = new ArrayList<>();
        if ("Sequence".equals(decoder.path("type").asText())) {
            decoder.path("decoders").forEach(steps::add);
        } else if (decoder.isObject()) {
            steps.add(decoder);
        }
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("tokenizer file " + file + " has no decoder");
        }
        List<JsonNode> perToken = new ArrayList<>();
        boolean fused = false;
        int stripStart = 0;
        int stripStop = 0;
        byte stripByte = ' ';
        for (JsonNode step : steps) {
            String type = step.path("type").asText();
            switch (type) {
                case "ByteLevel", "Replace", "ByteFallback" -> perToken.add(requireUnfused(step, fused, file));
                case "Metaspace" -> {
                    perToken.add(requireUnfused(step, fused, file));
                    if (prependsSpace(step)) {
                        stripStart = Math.max(stripStart, 1);
                    }
                }
                case "Fuse" -> fused = true;
                case "Strip" -> {
                    String content = step.path("content").asText();
                    if (content.length() != 1 || content.charAt(0) > 0x7f || (!fused && steps.size() > 1)) {
                        throw unsupported(file, "a Strip of " + content + " before Fuse");
                    }
                    stripByte = (byte) content.charAt(0);
                    stripStart = step.path("start").asInt();
                    stripStop = step.path("stop").asInt();
                }
                default -> throw unsupported(file, "the decoder " + type);
            }
        }
        byte[][] pieces = new byte[vocab.size()][];
        for (int id = 0; id < pieces.length; id++) {
            String token = vocab.token(id);
            if (token == null || vocab.isSpecial(id)) {
                pieces[id] = token == null ? null : new byte[0];
            } else if (vocab.isAdded(id)) {
                // Added tokens match their content verbatim when encoding, so their bytes are that content.
                pieces[id] = token.getBytes(StandardCharsets.UTF_8);
            } else {
                pieces[id] = bytesOf(token, perToken, file);
            }
        }
        return new TokenBytes(pieces, stripByte, stripStart, stripStop);
    }

    /** Per-token steps after {@code Fuse} would see the whole text as one token: not what the table assumes. */
    private static JsonNode requireUnfused(JsonNode step, boolean fused, Path file) {
        if (fused) {
            throw unsupported(file, "the decoder " + step.path("type").asText() + " after Fuse");
        }
        return step;
    }

    private static boolean prependsSpace(JsonNode metaspace) {
        JsonNode scheme = metaspace.path("prepend_scheme");
        return scheme.isTextual()
                ? !"never".equals(scheme.asText())
                : metaspace.path("add_prefix_space").asBoolean(true);
    }

    private static IllegalArgumentException unsupported(Path file, String what) {
        return new IllegalArgumentException("tokenizer file " + file + " uses " + what + ", which is not supported");
    }

    /** One token through the per-token decoder steps, in order. */
    private static byte[] bytesOf(String token, List<JsonNode> steps, Path file) {
        String text = token;
        for (JsonNode step : steps) {
            switch (step.path("type").asText()) {
                case "Replace" ->
                    text = text.replace(
                            replacePattern(step, file), step.path("content").asText());
                case "Metaspace" -> text = text.replace(step.path("replacement").asText("\u2581"), " ");
                case "ByteFallback" -> {
                    int b = fallbackByte(text);
                    if (b >= 0) {
                        return new byte[] {(byte) b};
                    }
                }
                case "ByteLevel" -> {
                    return ByteLevelAlphabet.decode(text);
                }
                default ->
                    throw unsupported(file, "the decoder " + step.path("type").asText());
            }
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String replacePattern(JsonNode replace, Path file) {
        JsonNode pattern = replace.path("pattern").path("String");
        if (!pattern.isTextual()) {
            throw unsupported(file, "a Replace decoder with a regex pattern");
        }
        return pattern.asText();
    }

    /** The byte of a {@code <0xNN>} token, or -1. */
    private static int fallbackByte(String token) {
        if (token.length() != 6 || !token.startsWith(BYTE_FALLBACK_PREFIX) || token.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(token.charAt(3), 16);
        int lo = Character.digit(token.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /** The bytes of one id inside a text, with no start-of-text strip (a copy). */
    byte[] piece(int id) {
        if (id < 0 || id >= pieces.length || pieces[id] == null) {
            throw new IllegalArgumentException(
                    "token id " + id + " is not in the vocabulary [0, " + pieces.length + ")");
        }
        return pieces[id].clone();
    }

    byte[] decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= pieces.length || pieces[id] == null) {
                throw new IllegalArgumentException(
                        "token id " + id + " at index " + i + " is not in the vocabulary [0, " + pieces.length + ")");
            }
            out.writeBytes(pieces[id]);
        }
        byte[] bytes = out.toByteArray();
        int from = 0;
        while (from < stripStart && from < bytes.length && bytes[from] == stripByte) {
            from++;
        }
        int to = bytes.length;
        while (bytes.length - to < stripStop && to > from && bytes[to - 1] == stripByte) {
            to--;
        }
        return from == 0 && to == bytes.length ? bytes : Arrays.copyOfRange(bytes, from, to);
    }
}
