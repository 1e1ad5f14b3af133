/**
 * Tokenizers behind one interface, {@link io.distill.lm.tokenize.Tokenizer}: the project's own byte tokenizer and
 * Hugging Face {@code tokenizer.json} files ({@link io.distill.lm.tokenize.HfTokenizer}: byte-level BPE as in GPT-2,
 * Llama 3 and Qwen2/3; SentencePiece-style BPE with byte fallback as in Llama 2 and Mistral), chosen for a model
 * directory by {@link io.distill.lm.tokenize.Tokenizers}.
 */
package io.distill.lm.tokenize;
