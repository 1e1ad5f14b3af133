# Helpers shared by the kernels. TorchScript, not Python: a kernel archive's functions call each other by their
# qualified names (__torch__.name), and dtypes are passed as `compute: int` (TorchScript's own encoding of a dtype).


# t in the dtype `compute`, or None when the tensor is absent (a layer without bias).
def cast_optional(t: Optional[Tensor], compute: int) -> Optional[Tensor]:
    if t is None:
        return None
    return torch.to(t, compute)
