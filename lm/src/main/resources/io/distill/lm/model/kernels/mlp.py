# The MLP sublayer, x (B, T, C) -> (B, T, C), products in the compute dtype:
#   gelu:      y = gelu(x @ w_fc^T + b_fc) @ w_proj^T + b_proj
#   gelu_tanh: the same with GPT-2's tanh approximation of GELU (gelu_new)
#   swiglu:    gate, up = split(x @ w_fc^T); y = (silu(gate) * up) @ w_proj^T    (Llama, Qwen2)
def mlp(x: Tensor, w_fc: Tensor, b_fc: Optional[Tensor], w_proj: Tensor, b_proj: Optional[Tensor],
        activation: str, compute: int) -> Tensor:
    f = torch.linear(torch.to(x, compute), torch.to(w_fc, compute), __torch__.cast_optional(b_fc, compute))
    if activation == "swiglu":
        gate, up = torch.chunk(f, 2, -1)  # w_fc holds the gate rows, then the up rows
        h = torch.silu(gate) * up
    elif activation == "gelu_tanh":
        # spelled out: the archive format (version 3) predates gelu's approximate= argument
        h = 0.5 * f * (1.0 + torch.tanh(0.7978845608028654 * (f + 0.044715 * torch.pow(f, 3.0))))
    else:
        h = torch.gelu(f)
    return torch.linear(h, torch.to(w_proj, compute), __torch__.cast_optional(b_proj, compute))
