# The causal self-attention sublayer, x (B, T, C) -> (B, T, C), products in the compute dtype:
#   q, k, v = split(x @ w_qkv^T + b_qkv)             heads, kv_heads and kv_heads of head_dim each
#   q, k = rope(q), rope(k)                          rotary positions, when cos and sin are given
#   k, v = each kv head repeated heads / kv_heads    grouped-query attention
#   y = softmax(q k^T / sqrt(head_dim) + causal mask) v, heads side by side
#   return y @ w_proj^T + b_proj
def attention(x: Tensor, w_qkv: Tensor, b_qkv: Optional[Tensor], w_proj: Tensor, b_proj: Optional[Tensor],
              cos: Optional[Tensor], sin: Optional[Tensor], heads: int, kv_heads: int, head_dim: int,
              compute: int) -> Tensor:
    b, t = x.size(0), x.size(1)
    qkv = torch.linear(torch.to(x, compute), torch.to(w_qkv, compute), __torch__.cast_optional(b_qkv, compute))
    q, k, v = torch.split_with_sizes(qkv, [heads * head_dim, kv_heads * head_dim, kv_heads * head_dim], -1)
    q = torch.transpose(torch.reshape(q, [b, t, heads, head_dim]), 1, 2)  # (B, H, T, hd)
    k = torch.transpose(torch.reshape(k, [b, t, kv_heads, head_dim]), 1, 2)  # (B, KV, T, hd)
    v = torch.transpose(torch.reshape(v, [b, t, kv_heads, head_dim]), 1, 2)
    if cos is not None and sin is not None:
        q = __torch__.rope(q, cos, sin, compute)
        k = __torch__.rope(k, cos, sin, compute)
    if kv_heads != heads:
        k = torch.repeat_interleave(k, heads // kv_heads, 1)  # (B, H, T, hd)
        v = torch.repeat_interleave(v, heads // kv_heads, 1)
    if compute == torch.float32:
        # libtorch's fused attention never materialises the (T, T) mask: 3.7x faster than spelled out at fp32
        y = torch.scaled_dot_product_attention(q, k, v, None, 0., True)
    else:
        # spelled out, as torch.autocast runs it: 16-bit products around an fp32 softmax. The fused kernel's 16-bit
        # CPU backward was 1.5x slower (student-1m bf16, one thread: 150 ms vs 100 ms a step's backward), and an
        # additive fp32 mask is 4x faster, forward and backward, than masked_fill and softmax's dtype argument on
        # the 16-bit scores.
        # the scale applied to q, (T, hd), rather than to the (T, T) scores: one pass fewer over the largest tensor
        scores = torch.matmul(q * (float(head_dim) ** -0.5), torch.transpose(k, -2, -1))  # (B, H, T, T)
        mask = torch.triu(torch.full([t, t], float("-inf")), 1)  # 0 on and below the diagonal
        p = torch.softmax(scores + mask, -1)  # fp32: adding the fp32 mask promotes the 16-bit scores in one pass
        y = torch.matmul(torch.to(p, compute), v)  # (B, H, T, hd)
    y = torch.reshape(torch.transpose(y, 1, 2), [b, t, heads * head_dim])  # heads side by side
    return torch.linear(y, torch.to(w_proj, compute), __torch__.cast_optional(b_proj, compute))


# Rotary embedding in rotate-half layout, x * cos + rotate_half(x) * sin, in fp32 (Hugging Face's cos and sin are
# fp32 under autocast), back to the compute dtype: x (B, n, T, hd), cos and sin (T, hd).
def rope(x: Tensor, cos: Tensor, sin: Tensor, compute: int) -> Tensor:
    half = x.size(-1) // 2
    x32 = torch.to(x, torch.float32)
    rotated = torch.cat([torch.neg(x32[:, :, :, half:]), x32[:, :, :, :half]], -1)
    return torch.to(x32 * cos + rotated * sin, compute)
