#!/usr/bin/env python3
"""Tiny random-weight Hugging Face model directories, in the exact layout `save_pretrained` writes.

Families: LlamaForCausalLM, Qwen2ForCausalLM, GPT2LMHeadModel. Files written:
  config.json             sorted keys, indent 2, trailing newline (PretrainedConfig.to_json_string)
  model.safetensors       or model-0000i-of-0000n.safetensors + model.safetensors.index.json (--shards n)
  generation_config.json  {"_from_model_config": true, bos/eos ids, transformers_version}
  tokenizer.json, tokenizer_config.json, special_tokens_map.json   copied from --tokenizer-dir when present
The safetensors files are written by hand: 8-byte little-endian header length N, N bytes of JSON
({"__metadata__": {"format": "pt"}, name: {dtype, shape, data_offsets}}, padded with spaces to a multiple of 8),
then the raw little-endian tensor bytes. Same flags and seed give the same files byte for byte.

Weights are random but peaked (logits of a few units of std, no near-ties for greedy decoding): matrices
~ N(0, 1/fan_in) (output projections at 3x that std, so the
blocks, not the tied input embedding, decide the argmax), embeddings scaled so that logits have std --logit-std,
norm weights ~ 1 + N(0, 0.1), biases ~ N(0, 0.05).

Run (only /usr/bin/python3 with torch, no transformers):
  python3 benchmarks/hf_models.py make --arch llama --out /tmp/llama --layers 2 --hidden 64 --heads 4 --kv-heads 2 \
      --intermediate 160 --vocab-size 512 [--head-dim 32] [--untied] [--rope-theta 500000] [--rope-scaling llama3] \
      [--dtype f32|f16|bf16] [--shards 2] [--seed 0] [--tokenizer-dir DIR]
  python3 benchmarks/hf_models.py make --arch qwen2 --out /tmp/qwen2 ...
  python3 benchmarks/hf_models.py make --arch gpt2 --out /tmp/gpt2 --layers 2 --hidden 64 --heads 4 [--legacy-names]
"""
import argparse
import json
import math
import os
import shutil
import struct
import sys

import torch

TRANSFORMERS_VERSION = "4.55.4"  # the version we claim wrote the files (the last one that writes "torch_dtype")
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
ST_DTYPE = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}
TORCH_DTYPE_NAME = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16"}
GAIN = 3.0  # output projections (o_proj, down_proj, c_proj): blocks outweigh the tied embedding, no copy-the-input argmax
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]
ARCHITECTURES = {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM", "gpt2": "GPT2LMHeadModel"}


# ----------------------------------------------------------------------------------------------- safetensors

def tensor_bytes(t):
    """Raw little-endian bytes of a contiguous tensor (bf16 through its int16 view: numpy has no bfloat16)."""
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    assert sys.byteorder == "little", "safetensors data is little-endian"
    return t.numpy().tobytes()


def write_safetensors(path, tensors):
    """tensors: dict name -> torch tensor. Header entries in name order, data in the same order, no gaps."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        t = tensors[name]
        data = tensor_bytes(t)
        header[name] = {"dtype": ST_DTYPE[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)  # pad with spaces so the data starts 8-aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    return offset


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:  # PretrainedConfig.to_json_string: indent 2, sorted, newline
        f.write(json.dumps(obj, indent=2, sort_keys=True) + "\n")


# ----------------------------------------------------------------------------------------------- configs

def rope_scaling_of(a):
    if a.rope_scaling == "none":
        return None
    # Llama 3.1's published values, with the original context scaled down (64) so it matters at tiny context
    return {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
            "original_max_position_embeddings": a.rope_original, "rope_type": "llama3"}


def llama_config(a):
    # LlamaConfig.__init__ fields; to_diff_dict keeps every model-specific key and the non-default generic ones
    return {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "attention_bias": False, "attention_dropout": 0.0, "mlp_bias": False,
        "bos_token_id": a.bos, "eos_token_id": a.eos,
        "head_dim": a.head_dim, "hidden_act": "silu", "hidden_size": a.hidden, "initializer_range": 0.02,
        "intermediate_size": a.intermediate, "max_position_embeddings": a.max_pos,
        "num_attention_heads": a.heads, "num_hidden_layers": a.layers, "num_key_value_heads": a.kv_heads,
        "pretraining_tp": 1, "rms_norm_eps": a.eps, "rope_scaling": rope_scaling_of(a), "rope_theta": a.rope_theta,
        "tie_word_embeddings": not a.untied, "torch_dtype": TORCH_DTYPE_NAME[DTYPES[a.dtype]],
        "transformers_version": TRANSFORMERS_VERSION, "use_cache": True, "vocab_size": a.vocab_size,
    }


def qwen2_config(a):
    # Qwen2Config.__init__ fields (sliding_window is None unless use_sliding_window; layer_types all full)
    return {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
        "attention_dropout": 0.0, "bos_token_id": a.bos, "eos_token_id": a.eos,
        "hidden_act": "silu", "hidden_size": a.hidden, "initializer_range": 0.02,
        "intermediate_size": a.intermediate, "layer_types": ["full_attention"] * a.layers,
        "max_position_embeddings": a.max_pos, "max_window_layers": a.layers,
        "num_attention_heads": a.heads, "num_hidden_layers": a.layers, "num_key_value_heads": a.kv_heads,
        "rms_norm_eps": a.eps, "rope_scaling": rope_scaling_of(a), "rope_theta": a.rope_theta,
        "sliding_window": None, "tie_word_embeddings": not a.untied,
        "torch_dtype": TORCH_DTYPE_NAME[DTYPES[a.dtype]], "transformers_version": TRANSFORMERS_VERSION,
        "use_cache": True, "use_sliding_window": False, "vocab_size": a.vocab_size,
    }


def gpt2_config(a):
    # GPT2Config.__init__ fields, plus n_ctx as the hub's gpt2/distilgpt2 config.json carry it
    return {
        "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
        "attn_pdrop": 0.1, "bos_token_id": a.bos, "embd_pdrop": 0.1, "eos_token_id": a.eos,
        "initializer_range": 0.02, "layer_norm_epsilon": a.eps, "n_ctx": a.max_pos, "n_embd": a.hidden,
        "n_head": a.heads, "n_inner": None, "n_layer": a.layers, "n_positions": a.max_pos,
        "reorder_and_upcast_attn": False, "resid_pdrop": 0.1, "scale_attn_by_inverse_layer_idx": False,
        "scale_attn_weights": True, "summary_activation": None, "summary_first_dropout": 0.1,
        "summary_proj_to_labels": True, "summary_type": "cls_index", "summary_use_proj": True,
        "torch_dtype": TORCH_DTYPE_NAME[DTYPES[a.dtype]], "transformers_version": TRANSFORMERS_VERSION,
        "use_cache": True, "vocab_size": a.vocab_size,
    }


# ----------------------------------------------------------------------------------------------- weights

class Init:
    """Seeded random tensors, always drawn in fp32 in a fixed order, so the stored dtype does not change them."""

    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def normal(self, shape, std, mean=0.0):
        return mean + std * torch.randn(*shape, generator=self.g, dtype=torch.float32)

    def matrix(self, out_f, in_f, gain=1.0):  # nn.Linear layout: (out, in)
        return self.normal((out_f, in_f), gain / math.sqrt(in_f))

    def norm(self, n):
        return self.normal((n,), 0.1, mean=1.0)

    def bias(self, n):
        return self.normal((n,), 0.05)


def llama_weights(a, qkv_bias):
    """LlamaForCausalLM / Qwen2ForCausalLM state dict (HF names; lm_head.weight only when untied)."""
    init, c, d, kv = Init(a.seed), a.hidden, a.head_dim, a.kv_heads
    w = {"model.embed_tokens.weight": init.normal((a.vocab_size, c), a.logit_std / math.sqrt(c))}
    for i in range(a.layers):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = init.norm(c)
        w[p + "self_attn.q_proj.weight"] = init.matrix(a.heads * d, c)
        w[p + "self_attn.k_proj.weight"] = init.matrix(kv * d, c)
        w[p + "self_attn.v_proj.weight"] = init.matrix(kv * d, c)
        if qkv_bias:
            w[p + "self_attn.q_proj.bias"] = init.bias(a.heads * d)
            w[p + "self_attn.k_proj.bias"] = init.bias(kv * d)
            w[p + "self_attn.v_proj.bias"] = init.bias(kv * d)
        w[p + "self_attn.o_proj.weight"] = init.matrix(c, a.heads * d, gain=GAIN)
        w[p + "post_attention_layernorm.weight"] = init.norm(c)
        w[p + "mlp.gate_proj.weight"] = init.matrix(a.intermediate, c)
        w[p + "mlp.up_proj.weight"] = init.matrix(a.intermediate, c)
        w[p + "mlp.down_proj.weight"] = init.matrix(c, a.intermediate, gain=GAIN)
    w["model.norm.weight"] = init.norm(c)
    lm_head = init.normal((a.vocab_size, c), a.logit_std / math.sqrt(c))  # drawn always: tied/untied share the rest
    if a.untied:
        w["lm_head.weight"] = lm_head
    return w


def gpt2_weights(a):
    """GPT2LMHeadModel state dict. Conv1D weights are (in, out); lm_head is tied to wte and not stored."""
    init, c = Init(a.seed), a.hidden
    pre = "" if a.legacy_names else "transformer."
    w = {pre + "wte.weight": init.normal((a.vocab_size, c), a.logit_std / math.sqrt(c)),
         pre + "wpe.weight": init.normal((a.max_pos, c), 0.5 * a.logit_std / math.sqrt(c))}
    for i in range(a.layers):
        p = f"{pre}h.{i}."
        w[p + "ln_1.weight"], w[p + "ln_1.bias"] = init.norm(c), init.bias(c)
        w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"] = init.matrix(3 * c, c).t().contiguous(), init.bias(3 * c)
        w[p + "attn.c_proj.weight"], w[p + "attn.c_proj.bias"] = init.matrix(c, c, GAIN).t().contiguous(), init.bias(c)
        w[p + "ln_2.weight"], w[p + "ln_2.bias"] = init.norm(c), init.bias(c)
        w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"] = init.matrix(4 * c, c).t().contiguous(), init.bias(4 * c)
        w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"] = init.matrix(c, 4 * c, GAIN).t().contiguous(), init.bias(c)
        if a.legacy_names:  # the causal-mask buffers old checkpoints carry: (1, 1, n_pos, n_pos) lower-triangular ones
            w[p + "attn.bias"] = torch.tril(torch.ones(a.max_pos, a.max_pos)).view(1, 1, a.max_pos, a.max_pos)
            w[p + "attn.masked_bias"] = torch.tensor(-1e4)  # a 0-dimensional tensor, shape []
    w[pre + "ln_f.weight"], w[pre + "ln_f.bias"] = init.norm(c), init.bias(c)
    return w


# ----------------------------------------------------------------------------------------------- make

def finish_args(a):
    """Per-family defaults, filled in once so the config and the weights read the same numbers."""
    a.kv_heads = a.kv_heads or a.heads
    a.head_dim = a.head_dim or a.hidden // a.heads
    a.intermediate = a.intermediate or 4 * a.hidden
    if a.eps is None:
        a.eps = 1e-5 if a.arch == "gpt2" else 1e-6
    if a.rope_theta is None:
        a.rope_theta = 1000000.0 if a.arch == "qwen2" else 10000.0
    default_bos, default_eos = {"llama": (1, 2), "qwen2": (a.vocab_size - 1, a.vocab_size - 1),
                                "gpt2": (a.vocab_size - 1, a.vocab_size - 1)}[a.arch]
    a.bos = default_bos if a.bos is None else a.bos
    a.eos = default_eos if a.eos is None else a.eos
    if a.arch == "gpt2" and (a.untied or a.kv_heads != a.heads or a.head_dim * a.heads != a.hidden
                             or a.rope_scaling != "none"):
        raise SystemExit("gpt2: no --untied, --kv-heads, --head-dim or --rope-scaling (GPT2LMHeadModel has none)")
    if a.arch != "gpt2" and a.legacy_names:
        raise SystemExit("--legacy-names is for gpt2 only")
    if a.rope_scaling == "llama3" and a.rope_original >= a.max_pos:
        raise SystemExit("--rope-original must be below --max-pos (_validate_llama3_parameters)")
    return a


def shard(tensors, n):
    """Split names (sorted) into n contiguous groups of about equal bytes, as save_pretrained's max_shard_size does."""
    names = sorted(tensors)
    sizes = [tensors[k].numel() * tensors[k].element_size() for k in names]
    total, groups, acc = sum(sizes), [[] for _ in range(n)], 0
    for name, size in zip(names, sizes):
        groups[min(n - 1, acc * n // total)].append(name)
        acc += size
    if any(not g for g in groups):
        raise SystemExit(f"--shards {n}: too many shards for {len(names)} tensors")
    return groups


def make(a):
    a = finish_args(a)
    os.makedirs(a.out, exist_ok=True)
    config = {"llama": llama_config, "qwen2": qwen2_config, "gpt2": gpt2_config}[a.arch](a)
    weights = gpt2_weights(a) if a.arch == "gpt2" else llama_weights(a, qkv_bias=a.arch == "qwen2")
    weights = {k: v.to(DTYPES[a.dtype]) for k, v in weights.items()}
    write_json(os.path.join(a.out, "config.json"), config)
    write_json(os.path.join(a.out, "generation_config.json"),
               {"_from_model_config": True, "bos_token_id": a.bos, "eos_token_id": a.eos,
                "transformers_version": TRANSFORMERS_VERSION})
    if a.shards <= 1:
        write_safetensors(os.path.join(a.out, "model.safetensors"), weights)
    else:
        weight_map, total = {}, 0
        for i, names in enumerate(shard(weights, a.shards)):
            fname = f"model-{i + 1:05d}-of-{a.shards:05d}.safetensors"
            total += write_safetensors(os.path.join(a.out, fname), {k: weights[k] for k in names})
            weight_map.update({k: fname for k in names})
        write_json(os.path.join(a.out, "model.safetensors.index.json"),
                   {"metadata": {"total_size": total}, "weight_map": weight_map})
    if a.tokenizer_dir:
        for fname in TOKENIZER_FILES:
            src = os.path.join(a.tokenizer_dir, fname)
            if os.path.exists(src):
                shutil.copyfile(src, os.path.join(a.out, fname))
    return a


def make_parser(sub):
    p = sub.add_parser("make", help="write a tiny random model directory in the Hugging Face layout")
    p.add_argument("--arch", choices=sorted(ARCHITECTURES), required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=0, help="default: --heads (plain multi-head attention)")
    p.add_argument("--head-dim", type=int, default=0, help="default: hidden / heads; written to config.json")
    p.add_argument("--intermediate", type=int, default=0, help="default: 4 * hidden")
    p.add_argument("--vocab-size", type=int, default=512)
    p.add_argument("--max-pos", type=int, default=512, help="max_position_embeddings / n_positions")
    p.add_argument("--untied", action="store_true", help="store lm_head.weight; tie_word_embeddings false")
    p.add_argument("--rope-theta", type=float, default=None, help="default 10000 (llama), 1e6 (qwen2)")
    p.add_argument("--rope-scaling", choices=["none", "llama3"], default="none")
    p.add_argument("--rope-original", type=int, default=64, help="llama3 original_max_position_embeddings")
    p.add_argument("--eps", type=float, default=None, help="rms_norm_eps / layer_norm_epsilon")
    p.add_argument("--bos", type=int, default=None)
    p.add_argument("--eos", type=int, default=None)
    p.add_argument("--dtype", choices=sorted(DTYPES), default="f32", help="stored dtype of every tensor")
    p.add_argument("--shards", type=int, default=1)
    p.add_argument("--legacy-names", action="store_true", help="gpt2: hub layout, no 'transformer.', mask buffers")
    p.add_argument("--logit-std", type=float, default=4.0, help="target std of the output logits")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tokenizer-dir", default=None, help="copy tokenizer.json & co. from here")
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    make_parser(sub)
    a = ap.parse_args()
    torch.set_num_threads(1)
    make(a)
    print(a.out)


if __name__ == "__main__":
    main()
