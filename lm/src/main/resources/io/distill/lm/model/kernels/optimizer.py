# One optimizer update over every parameter at once: torch.nn.utils.clip_grad_norm_ then torch.optim.AdamW, with
# libtorch's multi-tensor and fused kernels. The JVM makes one call a step instead of a dozen per parameter. (The
# in-place multi-tensor ops, _foreach_mul_ and _foreach_zero_, left the gradients unchanged when called from
# TorchScript here, so those two run as loops.)
#   norm = ||all gradients||_2; if norm > max_norm: g *= max_norm / (norm + 1e-6)     (clipping)
#   w -= lr * weight_decay * w                       (decayed parameters: matrices and embeddings)
#   m  = beta1 * m + (1 - beta1) * g
#   v  = beta2 * v + (1 - beta2) * g^2
#   w -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
# A non-finite norm changes nothing (the step is skipped). The gradients are zeroed either way. Returns the norm
# before clipping. settings: [lr, max_norm, t] with t the update count including this one.
def clip_and_adamw(settings: Tensor, decayed: List[Tensor], m_decayed: List[Tensor], v_decayed: List[Tensor],
                   kept: List[Tensor], m_kept: List[Tensor], v_kept: List[Tensor], beta1: float, beta2: float,
                   eps: float, weight_decay: float) -> Tensor:
    lr, max_norm = float(settings[0]), float(settings[1])
    g_decayed = __torch__.gradients(decayed)
    g_kept = __torch__.gradients(kept)
    grads = g_decayed + g_kept
    norm = torch.linalg_vector_norm(torch.stack(torch._foreach_norm(grads, 2.)), 2.)
    if bool(torch.isfinite(norm)):
        if bool(norm > max_norm):
            scale = max_norm / (float(norm) + 1e-6)
            for g in grads:
                g.mul_(scale)
        t = [settings[2:3]]
        if len(decayed) > 0:
            torch._fused_adamw_(decayed, g_decayed, m_decayed, v_decayed, [], t * len(decayed), lr=lr, beta1=beta1,
                                beta2=beta2, weight_decay=weight_decay, eps=eps, amsgrad=False, maximize=False)
        if len(kept) > 0:
            torch._fused_adamw_(kept, g_kept, m_kept, v_kept, [], t * len(kept), lr=lr, beta1=beta1, beta2=beta2,
                                weight_decay=0., eps=eps, amsgrad=False, maximize=False)
    for g in grads:
        g.zero_()
    return norm


# Each parameter's accumulated gradient (the same storage: writing to it writes the gradient).
def gradients(parameters: List[Tensor]) -> List[Tensor]:
    grads: List[Tensor] = []
    for p in parameters:
        g = p.grad
        if g is None:
            g = torch.zeros_like(p)
        grads.append(g)
    return grads
