package io.distill.lm.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small hand-written tokenizer.json files through the real Rust library: bad files give a one-line
 * IllegalArgumentException that names the file, never a crash; and the parts of the format the real tokenizers in
 * {@link HfTokenizerTest} do not exercise.
 */
class HfTokenizerFilesTest {

    /** A byte-level BPE over "a", "b", "ab" with one added special token. */
    private static final String TINY = """
            {"version": "1.0", "truncation": null, "padding": null,
             "added_tokens": [{"id": 3, "content": "<eos>", "special": true, "single_word": false,
                               "lstrip": false, "rstrip": false, "normalized": false}],
             "normalizer": null,
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
             "post_processor": null,
             "decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
             "model": {"type": "BPE", "dropout": null, "unk_token": null, "fuse_unk": false, "byte_fallback": false,
                       "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [%s]}}
            """;

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) {
        var e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(dir));
        assertEquals("missing tokenizer file " + dir.resolve("tokenizer.json"), e.getMessage());
        var f = assertThrows(IllegalArgumentException.class, () -> Tokenizers.forModelDir(dir));
        assertTrue(f.getMessage().contains(dir.toString()), f.getMessage());
    }

    @Test
    void notJsonIsNamed(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"vocab\": ");
        assertOneLineNaming(dir, "tokenizer.json", "not valid JSON");
    }

    @Test
    void aMergeOutsideTheVocabularyIsRefusedByTheRustLibraryWithoutACrash(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), TINY.formatted("\"a c\""));
        assertOneLineNaming(dir, "tokenizer.json", "not a valid tokenizer");
    }

    @Test
    void aModelOtherThanBpeIsRefused(@TempDir Path dir) throws Exception {
        Files.writeString(
                dir.resolve("tokenizer.json"),
                "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}, \"unk_token\": \"a\"}}");
        assertOneLineNaming(dir, "tokenizer.json", "only BPE");
    }

    @Test
    void anUnsupportedDecoderIsRefusedRatherThanApproximated(@TempDir Path dir) throws Exception {
        Files.writeString(
                dir.resolve("tokenizer.json"),
                TINY.formatted("\"a b\"")
                        .replace("\"decoder\": {\"type\": \"ByteLevel\"", "\"decoder\": {\"type\": \"CTC\""));
        assertOneLineNaming(dir, "tokenizer.json", "CTC");
    }

    @Test
    void aBadConfigIsNamed(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), TINY.formatted("\"a b\""));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        assertOneLineNaming(dir, "", "</s>");
        Files.writeString(dir.resolve("tokenizer_config.json"), "[1, 2");
        assertOneLineNaming(dir, "tokenizer_config.json", "not valid JSON");
    }

    @Test
    void mergesAsPairsAndAsStringsReadTheSame(@TempDir Path strings, @TempDir Path pairs) throws Exception {
        Files.writeString(strings.resolve("tokenizer.json"), TINY.formatted("\"a b\""));
        Files.writeString(pairs.resolve("tokenizer.json"), TINY.formatted("[\"a\", \"b\"]"));
        Files.writeString(pairs.resolve("config.json"), "{\"eos_token_id\": [3, 2]}");
        try (HfTokenizer s = HfTokenizer.load(strings);
                HfTokenizer p = HfTokenizer.load(pairs)) {
            assertEquals(s.checksum(), p.checksum());
            assertArrayEquals(new int[] {2, 0, 2}, s.encode("abaab"));
            assertArrayEquals(s.encode("abaab"), p.encode("abaab"));
            assertFalse(s.eos().isPresent());
            assertEquals(3, p.eos().getAsInt()); // the first of a list of EOS ids
            assertTrue(p.isSpecial(3) && !p.isSpecial(2));
            assertEquals("abab", p.decodeText(new int[] {2, 3, 2}));
            assertThrows(IllegalArgumentException.class, () -> p.decode(new int[] {4}));
        }
    }

    private static void assertOneLineNaming(Path dir, String file, String reason) {
        var e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve(file).toString()), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
