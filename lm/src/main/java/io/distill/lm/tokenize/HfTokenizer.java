package io.distill.lm.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import io.distill.lm.Sha256;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} (BPE: byte-level as in GPT-2, Llama 3 and Qwen; SentencePiece-style with byte
 * fallback as in Llama 2 and Mistral), with BOS/EOS from the directory's configs ({@link TokenizerSpecials}).
 *
 * <p>Encoding runs in the Rust {@code tokenizers} library through DJL, with the file's own normalizer, pre-tokenizer
 * and model, and without special tokens, truncation or padding, so the ids are those of the reference tokenizer.
 * Added tokens that appear verbatim in the text are matched as such, as in Hugging Face. Decoding uses the exact byte
 * table of {@link TokenBytes}.
 *
 * <p>Nothing is downloaded: DJL copies its native library out of the {@code tokenizers} jar into its cache directory
 * ({@code DJL_CACHE_DIR}, default {@code ~/.djl.ai}) on first use, and the tokenizer is built from the file's text.
 *
 * <p>Id: {@code hf-bpe:} and the first 12 hex digits of the checksum. Encoding is thread-safe; close it once.
 */
public final class HfTokenizer implements Tokenizer {

    static {
        // DJL's HuggingFaceTokenizer.newInstance calls Ec2Utils.callHome, which probes the EC2 metadata address
        // (169.254.169.254) once a day unless tracking is opted out. distill never talks to the network.
        if (System.getenv("OPT_OUT_TRACKING") == null && System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
    }

    /** No special tokens from the post-processor, no truncation to a model length, no padding: the raw ids. */
    private static final Map<String, String> RAW_IDS =
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer rust;
    private final HfVocabulary vocab;
    private final TokenBytes bytes;
    private final TokenizerSpecials specials;
    private final String checksum;

    private HfTokenizer(HuggingFaceTokenizer rust, HfVocabulary vocab, TokenBytes bytes, TokenizerSpecials specials) {
        this.rust = rust;
        this.vocab = vocab;
        this.bytes = bytes;
        this.specials = specials;
        this.checksum = Sha256.hex(vocab.canonicalDescription().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Loads {@code dir/tokenizer.json} with {@code tokenizer_config.json}, {@code config.json} and {@code
     * generation_config.json} when present.
     *
     * @throws IllegalArgumentException with a one-line message naming the file, if a file is missing, unreadable,
     *     not valid JSON, or describes a tokenizer this class does not support
     */
    public static HfTokenizer load(Path dir) {
        Path file = dir.resolve("tokenizer.json");
        String json;
        try {
            json = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("missing tokenizer file " + file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read tokenizer file " + file + ": " + e.getMessage());
        }
        JsonNode root = HfJson.parse(file, json);
        HfVocabulary vocab = HfVocabulary.of(root, file);
        TokenBytes bytes = TokenBytes.of(root.path("decoder"), vocab, file);
        TokenizerSpecials specials = TokenizerSpecials.read(dir, root, vocab);
        HuggingFaceTokenizer rust;
        try {
            rust = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), RAW_IDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a byte array does not fail
        } catch (RuntimeException e) {
            // The Rust side reports a file it cannot build a tokenizer from as an exception, not a crash.
            String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new IllegalArgumentException("tokenizer file " + file + " is not a valid tokenizer: " + reason);
        }
        return new HfTokenizer(rust, vocab, bytes, specials);
    }

    @Override
    public String id() {
        return "hf-bpe:" + checksum.substring(0, 12);
    }

    @Override
    public String checksum() {
        return checksum;
    }

    /** The text the checksum is taken over (see {@link HfVocabulary}). */
    public String canonicalDescription() {
        return vocab.canonicalDescription();
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public int[] encode(String text) {
        Encoding encoding = rust.encode(text, false, false);
        if (encoding.exceedMaxLength()) {
            throw new IllegalStateException("the tokenizer truncated a text although truncation is off");
        }
        long[] ids = encoding.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public byte[] decode(int[] ids) {
        return bytes.decode(ids);
    }

    @Override
    public byte[] tokenBytes(int id) {
        return bytes.piece(id);
    }

    @Override
    public OptionalInt bos() {
        return specials.bos();
    }

    @Override
    public OptionalInt eos() {
        return specials.eos();
    }

    @Override
    public boolean addsBos() {
        return specials.addsBos();
    }

    @Override
    public boolean isSpecial(int id) {
        return vocab.isSpecial(id);
    }

    /** The token's text as the vocabulary writes it (e.g. {@code Ġthe}, {@code ▁the}, {@code <0x0A>}), or null. */
    public String token(int id) {
        return id >= 0 && id < vocab.size() ? vocab.token(id) : null;
    }

    @Override
    public void close() {
        rust.close();
    }
}
