#!/usr/bin/env python3
"""Independent plain-PyTorch forward of Hugging Face LlamaForCausalLM, Qwen2ForCausalLM and GPT2LMHeadModel.

Written from the published model definitions of huggingface/transformers (no transformers import):
  src/transformers/models/llama/modeling_llama.py   LlamaRMSNorm, LlamaRotaryEmbedding, rotate_half,
                                                    apply_rotary_pos_emb, repeat_kv, eager_attention_forward,
                                                    LlamaAttention, LlamaMLP, LlamaDecoderLayer, LlamaModel
  src/transformers/models/qwen2/modeling_qwen2.py   Qwen2Attention (q/k/v bias, no o bias), rest as Llama
  src/transformers/models/gpt2/modeling_gpt2.py     GPT2Attention._attn, Conv1D (pytorch_utils), GPT2MLP, GPT2Block
  src/transformers/modeling_rope_utils.py           _compute_default_rope_parameters, _compute_llama3_parameters
  src/transformers/activations.py                   NewGELUActivation (gelu_new), SiLU
It reads the model directory itself: config.json, model.safetensors or model.safetensors.index.json + shards, stored
F32/F16/BF16 (upcast to fp32 master weights, as from_pretrained(torch_dtype=float32) does). Config fields that change
the math and are not implemented here are refused with a one-line error, as are missing, surplus or misshapen tensors.

Precision: fp32, or bf16 = torch.autocast("cpu", dtype=torch.bfloat16) over the fp32 weights (matmuls in bf16;
RMSNorm/LayerNorm, RoPE tables and the attention softmax in fp32, the residual stream in fp32, as in HF under autocast).

Run (only /usr/bin/python3 with torch; --threads 1 is fastest with Debian's OpenBLAS):
  python3 benchmarks/hf_reference.py logits   --model DIR --ids 1,5,7 [--precision fp32|bf16] --out FILE  # prints "T V"
  python3 benchmarks/hf_reference.py generate --model DIR --ids 1,5,7 --tokens 16 [--eos ID]   # prints new ids
  python3 benchmarks/hf_reference.py bench    --model DIR --batch 8 --seq 256 --steps 10 --warmup 2 --precision bf16
  python3 benchmarks/hf_reference.py selfcheck                                                 # see hf_selfcheck.py
FILE holds the (T, V) logits as raw little-endian float32, row-major.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F

ST_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
NUMPY_OF = {"F32": "<f4", "F16": "<f2", "BF16": "<i2"}  # numpy has no bfloat16: read the bits as int16
GPT2_BUFFERS = (".attn.bias", ".attn.masked_bias")  # causal-mask buffers in old GPT-2 files: ignored


class ModelError(Exception):
    """A model directory this reference will not run: the message names the file, field or tensor."""


# ----------------------------------------------------------------------------------------------- safetensors

def read_safetensors(path, skip=()):
    """name -> fp32 tensor. Header: u64 little-endian length N, N bytes of JSON, then the raw data."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    base, out = 8 + n, {}
    import numpy as np
    for name, e in header.items():
        if name.endswith(skip):
            continue
        if e["dtype"] not in ST_DTYPES:
            raise ModelError(f"{path}: tensor {name} has dtype {e['dtype']}, only F32, F16, BF16 are read")
        start, end = e["data_offsets"]
        arr = np.frombuffer(raw, dtype=NUMPY_OF[e["dtype"]], count=(end - start) // np.dtype(NUMPY_OF[e["dtype"]]).itemsize,
                            offset=base + start)
        t = torch.from_numpy(arr.copy()).reshape(e["shape"])
        if e["dtype"] == "BF16":
            t = t.view(torch.bfloat16)
        out[name] = t.float()
    return out


def read_weights(model_dir, skip=()):
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            weight_map = json.load(f)["weight_map"]
        weights = {}
        for fname in sorted(set(weight_map.values())):
            part = read_safetensors(os.path.join(model_dir, fname), skip)
            for name in part:
                if weight_map.get(name) != fname:
                    raise ModelError(f"{fname}: tensor {name} is not mapped to this file in the index")
            weights.update(part)
        return weights
    single = os.path.join(model_dir, "model.safetensors")
    if not os.path.exists(single):
        raise ModelError(f"{model_dir}: neither model.safetensors nor model.safetensors.index.json")
    return read_safetensors(single, skip)


# ----------------------------------------------------------------------------------------------- config

class Cfg:
    """The numbers the forward needs, read once from config.json, refusing what is not implemented."""

    def __init__(self, c):
        archs = c.get("architectures") or []
        if len(archs) != 1 or archs[0] not in ("LlamaForCausalLM", "Qwen2ForCausalLM", "GPT2LMHeadModel"):
            raise ModelError(f"config.json: architectures {archs} not supported "
                             "(LlamaForCausalLM, Qwen2ForCausalLM, GPT2LMHeadModel)")
        self.arch = archs[0]
        self.family = {"LlamaForCausalLM": "llama", "Qwen2ForCausalLM": "qwen2", "GPT2LMHeadModel": "gpt2"}[self.arch]
        if c.get("model_type") != self.family:
            raise ModelError(f"config.json: model_type {c.get('model_type')!r} does not match {self.arch}")
        self.vocab = c["vocab_size"]
        eos = c.get("eos_token_id")
        self.eos = set(eos if isinstance(eos, list) else [] if eos is None else [eos])
        if self.family == "gpt2":
            self._gpt2(c)
        else:
            self._llama(c)

    def _llama(self, c):
        refuse(c, "hidden_act", lambda v: v != "silu", "only silu")
        refuse(c, "attention_bias", lambda v: v, "q/k/v/o biases in Llama not implemented")
        refuse(c, "mlp_bias", lambda v: v, "MLP biases not implemented")
        refuse(c, "use_sliding_window", lambda v: v, "sliding-window attention not implemented")
        refuse(c, "layer_types", lambda v: any(t != "full_attention" for t in v), "only full_attention layers")
        refuse(c, "partial_rotary_factor", lambda v: v != 1.0, "partial rotary not implemented")
        rs = c.get("rope_scaling")
        self.rope_type = "default" if rs is None else rs.get("rope_type", rs.get("type"))  # BC: "type"
        if self.rope_type not in ("default", "llama3"):
            raise ModelError(f"config.json: rope_scaling type {self.rope_type!r} not implemented (llama3 or none)")
        self.rope_scaling = rs
        self.hidden = c["hidden_size"]
        self.layers = c["num_hidden_layers"]
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads") or self.heads
        self.head_dim = c.get("head_dim") or self.hidden // self.heads  # LlamaAttention: head_dim or C / H
        self.intermediate = c["intermediate_size"]
        self.eps = c.get("rms_norm_eps", 1e-6)
        self.theta = c.get("rope_theta", 10000.0)
        self.tied = c.get("tie_word_embeddings", False)  # LlamaConfig / Qwen2Config default False
        self.qkv_bias = self.family == "qwen2"
        if self.heads % self.kv_heads:
            raise ModelError(f"config.json: num_attention_heads {self.heads} not a multiple of "
                             f"num_key_value_heads {self.kv_heads}")

    def _gpt2(self, c):
        refuse(c, "activation_function", lambda v: v != "gelu_new", "only gelu_new")
        refuse(c, "scale_attn_weights", lambda v: not v, "unscaled attention not implemented")
        refuse(c, "scale_attn_by_inverse_layer_idx", lambda v: v, "not implemented")
        refuse(c, "reorder_and_upcast_attn", lambda v: v, "not implemented")
        refuse(c, "add_cross_attention", lambda v: v, "cross attention not implemented")
        self.hidden = c["n_embd"]
        self.layers = c["n_layer"]
        self.heads = self.kv_heads = c["n_head"]
        self.head_dim = self.hidden // self.heads
        self.intermediate = c.get("n_inner") or 4 * self.hidden  # GPT2Block: n_inner or 4 * C
        self.positions = c["n_positions"]
        self.eps = c.get("layer_norm_epsilon", 1e-5)
        self.tied = c.get("tie_word_embeddings", True)  # PretrainedConfig default True
        if not self.tied:
            raise ModelError("config.json: GPT2LMHeadModel with tie_word_embeddings false not implemented")


def refuse(c, key, bad, why):
    if key in c and c[key] is not None and bad(c[key]):
        raise ModelError(f"config.json: {key} = {json.dumps(c[key])} not supported ({why})")


# ----------------------------------------------------------------------------------------------- names

def expected_shapes(cfg):
    """HF tensor name -> shape, one table per family (the import/export table a loader needs)."""
    c, d, i = cfg.hidden, cfg.head_dim, cfg.intermediate
    if cfg.family == "gpt2":
        s = {"transformer.wte.weight": (cfg.vocab, c), "transformer.wpe.weight": (cfg.positions, c),
             "transformer.ln_f.weight": (c,), "transformer.ln_f.bias": (c,)}
        for l in range(cfg.layers):
            p = f"transformer.h.{l}."
            s.update({p + "ln_1.weight": (c,), p + "ln_1.bias": (c,), p + "ln_2.weight": (c,), p + "ln_2.bias": (c,),
                      p + "attn.c_attn.weight": (c, 3 * c), p + "attn.c_attn.bias": (3 * c,),  # Conv1D: (in, out)
                      p + "attn.c_proj.weight": (c, c), p + "attn.c_proj.bias": (c,),
                      p + "mlp.c_fc.weight": (c, i), p + "mlp.c_fc.bias": (i,),
                      p + "mlp.c_proj.weight": (i, c), p + "mlp.c_proj.bias": (c,)})
        return s
    s = {"model.embed_tokens.weight": (cfg.vocab, c), "model.norm.weight": (c,)}
    for l in range(cfg.layers):
        p = f"model.layers.{l}."
        s.update({p + "input_layernorm.weight": (c,), p + "post_attention_layernorm.weight": (c,),
                  p + "self_attn.q_proj.weight": (cfg.heads * d, c), p + "self_attn.k_proj.weight": (cfg.kv_heads * d, c),
                  p + "self_attn.v_proj.weight": (cfg.kv_heads * d, c), p + "self_attn.o_proj.weight": (c, cfg.heads * d),
                  p + "mlp.gate_proj.weight": (i, c), p + "mlp.up_proj.weight": (i, c), p + "mlp.down_proj.weight": (c, i)})
        if cfg.qkv_bias:
            s.update({p + "self_attn.q_proj.bias": (cfg.heads * d,), p + "self_attn.k_proj.bias": (cfg.kv_heads * d,),
                      p + "self_attn.v_proj.bias": (cfg.kv_heads * d,)})
    if not cfg.tied:
        s["lm_head.weight"] = (cfg.vocab, c)
    return s


def check_names(cfg, w):
    """Rename legacy GPT-2 names, drop a stored copy of a tied head, then demand exactly the expected tensors."""
    if cfg.family == "gpt2" and not any(k.startswith("transformer.") for k in w):
        w = {"transformer." + k: v for k, v in w.items()}  # the hub's gpt2/distilgpt2: names without the prefix
    if cfg.tied and "lm_head.weight" in w:
        embed = "transformer.wte.weight" if cfg.family == "gpt2" else "model.embed_tokens.weight"
        if not torch.equal(w["lm_head.weight"], w.get(embed, torch.empty(0))):
            raise ModelError("lm_head.weight is stored, differs from the embedding, but tie_word_embeddings is true")
        del w["lm_head.weight"]
    want = expected_shapes(cfg)
    missing, surplus = sorted(set(want) - set(w)), sorted(set(w) - set(want))
    if missing:
        raise ModelError(f"missing tensor {missing[0]}" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
    if surplus:
        raise ModelError(f"surplus tensor {surplus[0]}" + (f" (and {len(surplus) - 1} more)" if len(surplus) > 1 else ""))
    for k, shape in want.items():
        if tuple(w[k].shape) != shape:
            raise ModelError(f"tensor {k} has shape {list(w[k].shape)}, config.json implies {list(shape)}")
    return w


def load(model_dir):
    path = os.path.join(model_dir, "config.json")
    if not os.path.exists(path):
        raise ModelError(f"{model_dir}: no config.json")
    with open(path) as f:
        try:
            cfg = Cfg(json.load(f))
        except KeyError as e:
            raise ModelError(f"config.json: required field {e} missing") from None
    w = read_weights(model_dir, skip=GPT2_BUFFERS if cfg.family == "gpt2" else ())
    return cfg, check_names(cfg, w)


# ----------------------------------------------------------------------------------------------- Llama / Qwen2

def rope_inv_freq(cfg):
    # _compute_default_rope_parameters: 1 / theta^(2i/D), D = head_dim
    d = cfg.head_dim
    inv_freq = 1.0 / (cfg.theta ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    if cfg.rope_type != "llama3":
        return inv_freq
    # _compute_llama3_parameters: keep high frequencies, divide low ones by factor, interpolate in between
    rs = cfg.rope_scaling
    factor, low, high, old_ctx = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], \
        rs["original_max_position_embeddings"]
    low_freq_wavelen, high_freq_wavelen = old_ctx / low, old_ctx / high
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth = (old_ctx / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * inv_freq_llama / factor + smooth * inv_freq_llama
    is_medium = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium, smoothed, inv_freq_llama)


def rope_cos_sin(cfg, t):
    # LlamaRotaryEmbedding.forward: fp32 (autocast off), emb = cat(freqs, freqs); attention_scaling is 1 here
    with torch.autocast("cpu", enabled=False):
        freqs = torch.outer(torch.arange(t, dtype=torch.float32), rope_inv_freq(cfg))  # (T, D/2)
        emb = torch.cat((freqs, freqs), dim=-1)  # (T, D)
        return emb.cos(), emb.sin()


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rms_norm(x, weight, eps):
    # LlamaRMSNorm: in fp32, then back to the input dtype, times the (fp32) weight
    input_dtype = x.dtype
    with torch.autocast("cpu", enabled=False):
        h = x.float()
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
        return weight * h.to(input_dtype)


def causal_mask(t):
    return torch.triu(torch.full((t, t), float("-inf")), diagonal=1)  # (T, T): 0 on and below the diagonal


def llama_forward(cfg, w, idx):
    """idx (B, T) int64 -> logits (B, T, V) fp32. LlamaForCausalLM / Qwen2ForCausalLM, no KV cache."""
    b, t = idx.shape
    h_, kv, d = cfg.heads, cfg.kv_heads, cfg.head_dim
    x = F.embedding(idx, w["model.embed_tokens.weight"])  # (B, T, C), fp32
    cos, sin = rope_cos_sin(cfg, t)  # (T, D) each
    mask = causal_mask(t)
    for l in range(cfg.layers):
        p = f"model.layers.{l}."
        # attention: pre-norm, q/k/v projections (Qwen2: with bias), heads split as (B, H, T, D)
        hs = rms_norm(x, w[p + "input_layernorm.weight"], cfg.eps)
        q = F.linear(hs, w[p + "self_attn.q_proj.weight"], w.get(p + "self_attn.q_proj.bias"))
        k = F.linear(hs, w[p + "self_attn.k_proj.weight"], w.get(p + "self_attn.k_proj.bias"))
        v = F.linear(hs, w[p + "self_attn.v_proj.weight"], w.get(p + "self_attn.v_proj.bias"))
        q = q.view(b, t, h_, d).transpose(1, 2)  # (B, H, T, D)
        k = k.view(b, t, kv, d).transpose(1, 2)  # (B, KV, T, D)
        v = v.view(b, t, kv, d).transpose(1, 2)
        # apply_rotary_pos_emb: x * cos + rotate_half(x) * sin
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        # repeat_kv (expand + reshape == repeat_interleave): query head j reads kv head j // (H / KV)
        k, v = k.repeat_interleave(h_ // kv, dim=1), v.repeat_interleave(h_ // kv, dim=1)  # (B, H, T, D)
        # eager_attention_forward: scaled scores + causal mask, softmax in fp32, back to the query dtype
        att = torch.matmul(q, k.transpose(2, 3)) * d ** -0.5 + mask  # (B, H, T, T)
        att = F.softmax(att, dim=-1, dtype=torch.float32).to(q.dtype)
        y = torch.matmul(att, v).transpose(1, 2).reshape(b, t, h_ * d)  # (B, T, H*D)
        x = x + F.linear(y, w[p + "self_attn.o_proj.weight"])
        # LlamaMLP: down(silu(gate(x)) * up(x))
        hs = rms_norm(x, w[p + "post_attention_layernorm.weight"], cfg.eps)
        mlp = F.silu(F.linear(hs, w[p + "mlp.gate_proj.weight"])) * F.linear(hs, w[p + "mlp.up_proj.weight"])
        x = x + F.linear(mlp, w[p + "mlp.down_proj.weight"])
    x = rms_norm(x, w["model.norm.weight"], cfg.eps)
    head = w["model.embed_tokens.weight"] if cfg.tied else w["lm_head.weight"]
    return F.linear(x, head).float()  # (B, T, V)


# ----------------------------------------------------------------------------------------------- GPT-2

def layer_norm(x, weight, bias, eps):
    with torch.autocast("cpu", enabled=False):  # LayerNorm in fp32, as under CUDA autocast
        return F.layer_norm(x.float(), (x.shape[-1],), weight, bias, eps)


def conv1d(x, weight, bias):
    # pytorch_utils.Conv1D: x @ W + b with W stored (in, out)
    return torch.addmm(bias, x.reshape(-1, x.shape[-1]), weight).view(*x.shape[:-1], weight.shape[1])


def gelu_new(x):
    # activations.NewGELUActivation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def gpt2_forward(cfg, w, idx):
    """idx (B, T) int64 -> logits (B, T, V) fp32. GPT2LMHeadModel, no KV cache."""
    b, t = idx.shape
    if t > cfg.positions:
        raise ModelError(f"sequence of {t} tokens exceeds n_positions {cfg.positions}")
    h_, d, c = cfg.heads, cfg.head_dim, cfg.hidden
    x = F.embedding(idx, w["transformer.wte.weight"]) + w["transformer.wpe.weight"][:t]  # (B, T, C)
    mask = causal_mask(t)
    for l in range(cfg.layers):
        p = f"transformer.h.{l}."
        # GPT2Attention: c_attn gives q, k, v; scores / sqrt(D); causal mask; softmax; c_proj
        hs = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], cfg.eps)
        q, k, v = conv1d(hs, w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"]).split(c, dim=2)
        q, k, v = (z.view(b, t, h_, d).transpose(1, 2) for z in (q, k, v))  # (B, H, T, D)
        att = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + mask  # (B, H, T, T)
        att = F.softmax(att.float(), dim=-1).to(v.dtype)
        y = torch.matmul(att, v).transpose(1, 2).reshape(b, t, c)
        x = x + conv1d(y, w[p + "attn.c_proj.weight"], w[p + "attn.c_proj.bias"])
        # GPT2MLP: c_proj(gelu_new(c_fc(x)))
        hs = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], cfg.eps)
        hs = gelu_new(conv1d(hs, w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"]))
        x = x + conv1d(hs, w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"])
    x = layer_norm(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], cfg.eps)
    return F.linear(x, w["transformer.wte.weight"]).float()  # lm_head tied to wte


# ----------------------------------------------------------------------------------------------- entry points

@torch.no_grad()
def forward(cfg, w, idx, precision="fp32"):
    """(B, T) ids -> (B, T, V) fp32 logits; bf16 = autocast over the fp32 master weights."""
    fwd = gpt2_forward if cfg.family == "gpt2" else llama_forward
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
        return fwd(cfg, w, idx)


def greedy(cfg, w, ids, tokens, eos, precision="fp32"):
    """Greedy continuation: argmax of the last position, full recompute each step, stop after an EOS id."""
    seq, new = list(ids), []
    for _ in range(tokens):
        nxt = int(forward(cfg, w, torch.tensor([seq]), precision)[0, -1].argmax())
        seq.append(nxt)
        new.append(nxt)
        if nxt in eos:
            break
    return new


def parse_ids(s):
    return [int(v) for v in s.split(",") if v.strip()]


def cmd_logits(a):
    cfg, w = load(a.model)
    logits = forward(cfg, w, torch.tensor([parse_ids(a.ids)]), a.precision)[0]  # (T, V)
    logits.contiguous().numpy().astype("<f4").tofile(a.out)
    print(logits.shape[0], logits.shape[1])


def cmd_generate(a):
    cfg, w = load(a.model)
    eos = cfg.eos if a.eos is None else ({a.eos} if a.eos >= 0 else set())
    print(",".join(str(i) for i in greedy(cfg, w, parse_ids(a.ids), a.tokens, eos, a.precision)))


def cmd_bench(a):
    cfg, w = load(a.model)
    gen = torch.Generator().manual_seed(1)
    x = torch.randint(0, cfg.vocab, (a.batch, a.seq), generator=gen)
    for _ in range(a.warmup):
        forward(cfg, w, x, a.precision)
    start = time.perf_counter()
    for _ in range(a.steps):
        forward(cfg, w, x, a.precision)
    elapsed = time.perf_counter() - start
    print(f"RESULT precision={a.precision} tokens_per_s={a.steps * a.batch * a.seq / elapsed:.1f} "
          f"step_ms={1000 * elapsed / a.steps:.1f} arch={cfg.arch} threads={a.threads} torch={torch.__version__}",
          flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("logits", "generate", "bench"):
        p = sub.add_parser(name)
        p.add_argument("--model", required=True)
        p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
        p.add_argument("--threads", type=int, default=1)
        if name in ("logits", "generate"):
            p.add_argument("--ids", required=True, help="comma-separated token ids")
    sub.choices["logits"].add_argument("--out", required=True, help="raw little-endian float32, T*V values")
    sub.choices["generate"].add_argument("--tokens", type=int, required=True)
    sub.choices["generate"].add_argument("--eos", type=int, default=None, help="default: config eos_token_id; -1 none")
    for flag, default in (("--batch", 8), ("--seq", 256), ("--steps", 10), ("--warmup", 2)):
        sub.choices["bench"].add_argument(flag, type=int, default=default)
    s = sub.add_parser("selfcheck", help="make every variant and check invariants (hf_selfcheck.py)")
    s.add_argument("--threads", type=int, default=1)
    s.add_argument("--keep", default=None, help="keep the made directories here")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    try:
        if a.cmd == "selfcheck":
            import hf_selfcheck
            sys.exit(hf_selfcheck.run(a.keep))
        {"logits": cmd_logits, "generate": cmd_generate, "bench": cmd_bench}[a.cmd](a)
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
