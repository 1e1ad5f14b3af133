# A bare product in the compute dtype: x (..., in), w (out, in) -> x @ w^T (..., out).
def linear(x: Tensor, w: Tensor, compute: int) -> Tensor:
    return torch.matmul(torch.to(x, compute), torch.t(torch.to(w, compute)))
