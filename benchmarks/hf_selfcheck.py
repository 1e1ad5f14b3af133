#!/usr/bin/env python3
"""Self-check of hf_models.py and hf_reference.py: makes every variant and checks invariants that can fail.

No transformers here (no PyPI), so nothing is compared against transformers itself: correctness of the reference
comes from following the published code (cited in hf_reference.py) and from the independent checks below
(a by-hand per-head attention with RoPE as a complex rotation, a scalar Llama 3 frequency formula).

Run: python3 benchmarks/hf_selfcheck.py [--keep DIR]     (or: python3 benchmarks/hf_reference.py selfcheck)
Exit code 0 when every check passes; one line per check.
"""
import argparse
import copy
import filecmp
import json
import math
import os
import shutil
import sys
import tempfile

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_models  # noqa: E402
import hf_reference as R  # noqa: E402

GQA = "--arch llama --layers 2 --hidden 64 --heads 4 --kv-heads 2 --intermediate 160"
GPT2 = "--arch gpt2 --layers 2 --hidden 64 --heads 4 --max-pos 128"
VARIANTS = {  # name -> hf_models make flags; the variants of GQA / GPT2 share their seed-0 draws
    "llama-mha": "--arch llama --layers 2 --hidden 64 --heads 4",
    "llama-gqa": GQA,
    "llama-headdim": GQA + " --head-dim 32",
    "llama-untied": GQA + " --untied",
    "llama3-rope": GQA + " --head-dim 16 --rope-theta 500000 --rope-scaling llama3 --untied",
    "llama-bf16": GQA + " --dtype bf16",
    "llama-f16": GQA + " --dtype f16",
    "llama-sharded": GQA + " --shards 2",
    "qwen2": "--arch qwen2 --layers 2 --hidden 64 --heads 4 --kv-heads 2",
    "qwen2-untied-bf16": "--arch qwen2 --layers 2 --hidden 64 --heads 4 --kv-heads 2 --untied --dtype bf16",
    "gpt2": GPT2,
    "gpt2-legacy": GPT2 + " --legacy-names",
    "gpt2-sharded-f16": GPT2 + " --shards 3 --dtype f16",
}
IDS = [1, 5, 7, 300, 42, 9, 11, 480, 2, 77, 63, 64, 65, 3, 99, 100, 101, 250, 251, 17, 8, 4, 200, 201]  # 24 ids


class Checks:
    def __init__(self):
        self.failed = 0

    def check(self, ok, what, detail=""):
        print(f"{'ok  ' if ok else 'FAIL'} {what}{'  ' + detail if detail else ''}", flush=True)
        self.failed += not ok


def make(root, name, extra="", seed=0):
    out = os.path.join(root, name + extra.replace(" ", "").replace("-", "_") + (f"_seed{seed}" if seed else ""))
    ap = argparse.ArgumentParser()
    hf_models.make_parser(ap.add_subparsers(dest="cmd"))
    hf_models.make(ap.parse_args(["make", "--out", out, "--seed", str(seed)] + (VARIANTS[name] + " " + extra).split()))
    return out


def logits(d, ids=IDS, precision="fp32"):
    cfg, w = R.load(d)
    return R.forward(cfg, w, torch.tensor([ids]), precision)[0]  # (T, V)


def margin(lg):
    top = lg.topk(2, dim=-1).values
    return (top[:, 0] - top[:, 1]).min().item()


def expect_error(c, what, fn, needle):
    try:
        fn()
        c.check(False, what, "no error")
    except R.ModelError as e:
        c.check(needle in str(e), what, f"-> {e}")


def hand_attention_model(cfg, w, ids):
    """A 1-layer Llama forward written independently: per-head loops, RoPE as the complex rotation of the pairs
    (x[i], x[i + D/2]) (the HF rotate-half layout), kv head of query head h = h // (H / KV), explicit softmax."""
    t = len(ids)
    d, half = cfg.head_dim, cfg.head_dim // 2
    inv = torch.tensor([cfg.theta ** (-2.0 * i / d) for i in range(half)], dtype=torch.float64)
    rot = torch.polar(torch.ones(t, half, dtype=torch.float64), torch.arange(t, dtype=torch.float64)[:, None] * inv)

    def rope(v):  # (T, D) -> (T, D)
        z = torch.complex(v[:, :half], v[:, half:]) * rot
        return torch.cat([z.real, z.imag], dim=1)

    W = {k: v.double() for k, v in w.items()}
    x = W["model.embed_tokens.weight"][ids]  # (T, C)

    def rms(v, g):
        return g * v / torch.sqrt((v * v).mean(-1, keepdim=True) + cfg.eps)

    p = "model.layers.0."
    h = rms(x, W[p + "input_layernorm.weight"])
    q, k, v = h @ W[p + "self_attn.q_proj.weight"].T, h @ W[p + "self_attn.k_proj.weight"].T, h @ W[p + "self_attn.v_proj.weight"].T
    heads = []
    for hh in range(cfg.heads):
        g = hh // (cfg.heads // cfg.kv_heads)
        qh, kh, vh = rope(q[:, hh * d:(hh + 1) * d]), rope(k[:, g * d:(g + 1) * d]), v[:, g * d:(g + 1) * d]
        out = torch.zeros(t, d, dtype=torch.float64)
        for i in range(t):
            s = torch.stack([qh[i] @ kh[j] / math.sqrt(d) for j in range(i + 1)])
            pr = torch.exp(s - s.max())
            out[i] = (pr / pr.sum()) @ vh[: i + 1]
        heads.append(out)
    x = x + torch.cat(heads, dim=1) @ W[p + "self_attn.o_proj.weight"].T
    h = rms(x, W[p + "post_attention_layernorm.weight"])
    gate, up = h @ W[p + "mlp.gate_proj.weight"].T, h @ W[p + "mlp.up_proj.weight"].T
    x = x + (gate * torch.sigmoid(gate) * up) @ W[p + "mlp.down_proj.weight"].T
    x = rms(x, W["model.norm.weight"])
    return (x @ W["model.embed_tokens.weight"].T).float()


def llama3_inv_freq_scalar(theta, d, factor, low, high, old):
    """Meta's llama3 apply_scaling, one frequency at a time."""
    out = []
    for i in range(0, d, 2):
        f = 1.0 / theta ** (i / d)
        wavelen = 2 * math.pi / f
        if wavelen < old / high:
            out.append(f)
        elif wavelen > old / low:
            out.append(f / factor)
        else:
            s = (old / wavelen - low) / (high - low)
            out.append((1 - s) * f / factor + s * f)
    return torch.tensor(out)


def run(keep=None):
    torch.set_num_threads(1)
    root = keep or tempfile.mkdtemp(prefix="hf_selfcheck_")
    os.makedirs(root, exist_ok=True)
    c = Checks()
    dirs = {name: make(root, name) for name in VARIANTS}

    # every variant: loads, fp32 and bf16 logits finite, peaked, no near-ties, bf16 close to fp32; causal; greedy
    for name, d in dirs.items():
        lg, lb = logits(d), logits(d, precision="bf16")
        std, top1 = lg.std(dim=-1).mean().item(), lg.softmax(-1).max(-1).values.median().item()
        c.check(bool(torch.isfinite(lg).all() and torch.isfinite(lb).all()) and lg.shape == (len(IDS), 512),
                f"{name}: logits (T, V) finite at fp32 and bf16")
        c.check(2.0 < std < 8.0 and 0.2 < top1 < 0.99, f"{name}: peaked, not one-hot",
                f"logit std={std:.2f} median top-1 prob={top1:.2f} min top1-top2 over {len(IDS)} positions={margin(lg):.4f}")
        diff = (lg - lb).abs().max().item()
        c.check(1e-4 < diff < 0.5, f"{name}: bf16 differs from fp32 a little", f"max |diff|={diff:.4f}")
        changed = IDS[:10] + [(i * 7 + 3) % 512 for i in IDS[10:]]
        causal = (logits(d, changed)[:10] - lg[:10]).abs().max().item()
        later = (logits(d, changed)[10:] - lg[10:]).abs().max().item()
        c.check(causal < 1e-5 and later > 1e-2, f"{name}: causal", f"prefix diff={causal:.2e}, suffix diff={later:.2f}")
        cfg, w = R.load(d)
        gen = R.greedy(cfg, w, IDS[:4], 12, set())
        seq, steps_ok = IDS[:4] + gen, True
        full = R.forward(cfg, w, torch.tensor([seq]))[0]
        for s in range(4, len(seq)):
            steps_ok &= int(full[s - 1].argmax()) == seq[s]
        m = margin(full[3:-1])
        c.check(steps_ok and m > 1e-3,  # 10x the 1e-4 fp32 parity tolerance f"{name}: greedy ids = argmax of the full-sequence logits, no near-tie",
                f"{','.join(map(str, gen))} (min top1-top2 {m:.3f})")

    # same seed: byte-identical files; another seed: different weights
    again = make(os.path.join(root, "again"), "llama-gqa")
    same = all(filecmp.cmp(os.path.join(dirs["llama-gqa"], f), os.path.join(again, f), shallow=False)
               for f in os.listdir(again))
    c.check(same, "same seed gives byte-identical files")
    other = make(root, "llama-gqa", seed=1)
    c.check((logits(other) - logits(dirs["llama-gqa"])).abs().max().item() > 1e-1, "another seed gives other logits")

    # tied vs untied: same seed, the head differs
    c.check((logits(dirs["llama-untied"]) - logits(dirs["llama-gqa"])).abs().max().item() > 1e-1
            and "lm_head.weight" not in R.load(dirs["llama-gqa"])[1] and "lm_head.weight" in R.load(dirs["llama-untied"])[1],
            "tied and untied differ (lm_head.weight stored only when untied)")

    # sharded and unsharded saves of the same seed: same tensors, identical logits; index total_size = data bytes
    c.check(torch.equal(logits(dirs["llama-sharded"]), logits(dirs["llama-gqa"])) and
            torch.equal(logits(dirs["gpt2-sharded-f16"]), logits(make(root, "gpt2", "--dtype f16"))),
            "sharded and unsharded give identical logits")
    with open(os.path.join(dirs["llama-sharded"], "model.safetensors.index.json")) as f:
        index = json.load(f)
    data = sum(os.path.getsize(os.path.join(dirs["llama-sharded"], fn)) - 8 -
               int.from_bytes(open(os.path.join(dirs["llama-sharded"], fn), "rb").read(8), "little")
               for fn in set(index["weight_map"].values()))
    c.check(index["metadata"]["total_size"] == data, "index total_size = bytes of tensor data", str(data))

    # safetensors headers: 8-aligned, __metadata__ format pt, offsets contiguous from 0, stored dtypes as asked
    for name, dtype in (("llama-bf16", "BF16"), ("llama-f16", "F16"), ("gpt2-legacy", "F32")):
        path = os.path.join(dirs[name], "model.safetensors")
        raw = open(path, "rb").read()
        n = int.from_bytes(raw[:8], "little")
        h = json.loads(raw[8:8 + n])
        meta = h.pop("__metadata__")
        ends = sorted(e["data_offsets"] for e in h.values())
        contiguous = ends[0][0] == 0 and all(a[1] == b[0] for a, b in zip(ends, ends[1:])) and ends[-1][1] == len(raw) - 8 - n
        c.check(n % 8 == 0 and meta == {"format": "pt"} and contiguous and {e["dtype"] for e in h.values()} == {dtype},
                f"{name}: safetensors header aligned, format pt, contiguous, all {dtype}")

    # f16/bf16-stored: the weights are the f32 ones rounded; logits near the f32-stored model's
    w32, w16 = R.load(dirs["llama-gqa"])[1], R.load(dirs["llama-bf16"])[1]
    c.check(all(torch.equal(w32[k].bfloat16().float(), w16[k]) for k in w32), "bf16-stored = f32 weights rounded to bf16")
    for name in ("llama-bf16", "llama-f16"):
        diff = (logits(dirs[name]) - logits(dirs["llama-gqa"])).abs().max().item()
        c.check(diff < 0.5, f"{name}: close to the f32-stored model", f"max |diff|={diff:.4f}")

    # legacy GPT-2 names (no 'transformer.' prefix, attn.bias / attn.masked_bias buffers) = modern names
    c.check(torch.equal(logits(dirs["gpt2-legacy"]), logits(dirs["gpt2"])), "gpt2 legacy names give identical logits")

    # attention by hand (1 layer, float64 per-head loops): MHA (kv == heads) and GQA, with head_dim != C / H
    for extra in ("--layers 1", "--layers 1 --kv-heads 2", "--layers 1 --kv-heads 1 --head-dim 32"):
        d = make(root, "llama-mha", extra)
        cfg, w = R.load(d)
        diff = (logits(d, IDS[:12]) - hand_attention_model(cfg, w, IDS[:12])).abs().max().item()
        c.check(diff < 1e-4, f"1-layer llama {extra}: equals attention by hand", f"max |diff|={diff:.2e}")

    # Llama 3 rope scaling: inverse frequencies = Meta's scalar formula, and they change the logits
    cfg = R.load(dirs["llama3-rope"])[0]
    rs = cfg.rope_scaling
    ref = llama3_inv_freq_scalar(cfg.theta, cfg.head_dim, rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"],
                                 rs["original_max_position_embeddings"])
    inv = R.rope_inv_freq(cfg)
    unscaled = copy.copy(cfg)
    unscaled.rope_type = "default"
    scaled = inv - R.rope_inv_freq(unscaled)
    c.check(torch.allclose(inv, ref.float(), rtol=1e-6) and (scaled != 0).sum().item() >= 2,
            "llama3 inverse frequencies = scalar formula, several changed", f"{(scaled != 0).sum().item()} of {len(inv)}")
    plain = make(root, "llama3-rope", "--rope-scaling none")
    c.check((logits(plain) - logits(dirs["llama3-rope"])).abs().max().item() > 1e-2, "llama3 rope scaling changes the logits")

    # qwen2 q/k/v biases matter
    cfg, w = R.load(dirs["qwen2"])
    nob = {k: (torch.zeros_like(v) if k.endswith("proj.bias") else v) for k, v in w.items()}
    c.check((R.forward(cfg, w, torch.tensor([IDS])) - R.forward(cfg, nob, torch.tensor([IDS]))).abs().max().item() > 1e-3,
            "qwen2 q/k/v biases change the logits")

    # EOS stops generation
    cfg, w = R.load(dirs["gpt2"])
    first = R.greedy(cfg, w, IDS[:4], 6, set())
    eos = first[-1]
    c.check(R.greedy(cfg, w, IDS[:4], 6, {eos}) == first[:first.index(eos) + 1] and first.index(eos) > 0,
            "generation stops after EOS", f"{first} with eos {eos}")

    # refusals: unimplemented config fields, missing / surplus / misshapen tensors, unknown architecture
    def with_config(src, name, **changes):
        d = os.path.join(root, "bad-" + name)
        os.makedirs(d, exist_ok=True)
        cfg = json.load(open(os.path.join(src, "config.json")))
        cfg.update(changes)
        hf_models.write_json(os.path.join(d, "config.json"), cfg)
        for f in os.listdir(src):
            if f.endswith(".safetensors"):
                dst = os.path.join(d, f)
                if not os.path.exists(dst):
                    os.symlink(os.path.join(src, f), dst)
        return d

    bad = [("sliding", dirs["qwen2"], {"use_sliding_window": True}, "use_sliding_window"),
           ("yarn", dirs["llama3-rope"], {"rope_scaling": {"rope_type": "yarn", "factor": 4.0}}, "yarn"),
           ("linear", dirs["llama-gqa"], {"rope_scaling": {"type": "linear", "factor": 2.0}}, "linear"),
           ("act", dirs["llama-gqa"], {"hidden_act": "gelu"}, "hidden_act"),
           ("gpt2act", dirs["gpt2"], {"activation_function": "relu"}, "activation_function"),
           ("arch", dirs["llama-gqa"], {"architectures": ["MistralForCausalLM"]}, "MistralForCausalLM"),
           ("untie", dirs["llama-gqa"], {"tie_word_embeddings": False}, "missing tensor lm_head.weight"),
           ("tie", dirs["llama-untied"], {"tie_word_embeddings": True}, "lm_head.weight is stored"),
           ("layers", dirs["llama-gqa"], {"num_hidden_layers": 1}, "surplus tensor model.layers.1"),
           ("kv", dirs["llama-gqa"], {"num_key_value_heads": 4}, "shape"),
           ("nokey", dirs["llama-gqa"], {"hidden_size": None}, "hidden_size")]
    for name, src, changes, needle in bad:
        d = with_config(src, name, **changes)
        if name == "nokey":
            cfg = json.load(open(os.path.join(d, "config.json")))
            del cfg["hidden_size"]
            hf_models.write_json(os.path.join(d, "config.json"), cfg)
        expect_error(c, f"refuses {name}", lambda d=d: R.load(d), needle)

    print(f"{'all checks passed' if not c.failed else str(c.failed) + ' checks FAILED'}" + (f" ({root})" if keep else ""))
    if not keep:
        shutil.rmtree(root)
    return 1 if c.failed else 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", default=None)
    sys.exit(run(ap.parse_args().keep))
