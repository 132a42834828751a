"""Building blocks of backward formulas that run on arrays or on tensors.

One backward formula serves two passes. In a plain `backward()` no graph of
the backward pass is wanted, so the engine hands an op whose class sets
`_backward_on_arrays` bare NumPy (or CuPy) arrays: no Tensor objects, no
recording, fast. Under `create_graph=True` the same formula gets tensors,
and every step is a recorded op that a double backward differentiates.

Operators (`*`, `-`, `/`) work on both. The functions here are the steps
NumPy and PyTorch spell differently (`np.cos(x)` against `x.cos()`): each
looks at what it got and, on tensors, calls the minigrad op that PyTorch's
formula calls, so a double backward shows the graph PyTorch would build.
(This is not forward mode's "dual numbers": see `autograd.forward_ad` for that.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np

from minigrad import backend
from minigrad._tensor import Tensor

# What a formula's values are: arrays (NumPy's or CuPy's; np.ndarray stands for both) in a
# plain backward pass, tensors under `create_graph=True`.
ArrayOrTensor: TypeAlias = np.ndarray | Tensor


def expand(x: ArrayOrTensor, shape: tuple[int, ...]) -> ArrayOrTensor:
    """`x` broadcast to `shape` (a view)."""
    return x.expand(shape) if isinstance(x, Tensor) else backend.broadcast_view(x, shape)


def sum_to_size(x: ArrayOrTensor, shape: tuple[int, ...]) -> ArrayOrTensor:
    """`x`, a broadcast of `shape`, summed back down to it (PyTorch's `sum_to`)."""
    return x.sum_to_size(shape) if isinstance(x, Tensor) else backend.sum_to(x, shape)


def unbind(x: ArrayOrTensor, dim: int) -> tuple[ArrayOrTensor, ...]:
    """The slices of `x` along `dim` (views)."""
    return tuple(x.unbind(dim)) if isinstance(x, Tensor) else tuple(np.moveaxis(x, dim, 0))


def unsqueeze(x: ArrayOrTensor, dim: int) -> ArrayOrTensor:
    """`x` with a dimension of size 1 inserted at `dim`."""
    return x.unsqueeze(dim) if isinstance(x, Tensor) else np.expand_dims(x, dim)


def sum_keepdim(x: ArrayOrTensor, dims: int | tuple[int, ...]) -> ArrayOrTensor:
    """`x` summed over `dims`, keeping them as dimensions of size 1."""
    return x.sum(dims, keepdim=True) if isinstance(x, Tensor) else x.sum(dims, keepdims=True)


def matrix_t(x: ArrayOrTensor) -> ArrayOrTensor:
    """The transpose of a matrix."""
    return x.t() if isinstance(x, Tensor) else x.T


def transpose(x: ArrayOrTensor, dim0: int, dim1: int) -> ArrayOrTensor:
    """`x` with two dimensions swapped."""
    return x.transpose(dim0, dim1) if isinstance(x, Tensor) else np.swapaxes(x, dim0, dim1)


def permute(x: ArrayOrTensor, dims: tuple[int, ...]) -> ArrayOrTensor:
    """`x` with its dimensions in the order `dims`."""
    return x.permute(*dims) if isinstance(x, Tensor) else np.transpose(x, dims)


def squeeze(x: ArrayOrTensor, dim: int) -> ArrayOrTensor:
    """`x` without its dimension `dim` (of size 1)."""
    return x.squeeze(dim) if isinstance(x, Tensor) else np.squeeze(x, dim)


def where(condition: ArrayOrTensor, x: ArrayOrTensor, y: ArrayOrTensor) -> ArrayOrTensor:
    """`x` where `condition` holds, else `y`: selects, so a NaN or inf left out stays out."""
    if isinstance(condition, Tensor) or isinstance(x, Tensor) or isinstance(y, Tensor):
        from minigrad.ops.pointwise import where as where_op

        return where_op(as_tensor(condition), x, y)
    return np.where(condition, x, y)


def masked_fill(x: ArrayOrTensor, mask: ArrayOrTensor, value: float) -> ArrayOrTensor:
    """`x` with `value` where `mask` holds (PyTorch's `masked_fill`, MaskedFillBackward0)."""
    if isinstance(x, Tensor):
        from minigrad.ops.pointwise import masked_fill as masked_fill_op

        return masked_fill_op(x, as_tensor(mask), value)
    return np.where(mask._data if isinstance(mask, Tensor) else mask, x.dtype.type(value), x)


_WithNumber: TypeAlias = Callable[[ArrayOrTensor, float], ArrayOrTensor]


def _scalar_op(name: str, array_op: _WithNumber) -> _WithNumber:
    """`x <op> number` where PyTorch's formula calls the op's Scalar overload: on a tensor the
    recorded op whose node ends in 1 (MulBackward1), on an array the plain operator."""

    def op(x: ArrayOrTensor, number: float) -> ArrayOrTensor:
        if isinstance(x, Tensor):
            from minigrad.ops import pointwise

            return getattr(pointwise, name).apply(x, other=number)
        return array_op(x, number)

    return op


mul_scalar = _scalar_op("MulScalar", lambda x, n: x * n)
div_scalar = _scalar_op("DivScalar", lambda x, n: x / n)
sub_scalar = _scalar_op("SubScalar", lambda x, n: x - n)
add_scalar = _scalar_op("AddScalar", lambda x, n: x + n)


def pow_scalar(x: ArrayOrTensor, exponent: float) -> ArrayOrTensor:
    """`x ** exponent` as PyTorch's kernel computes it (a square root for ±0.5)."""
    if isinstance(x, Tensor):
        return x ** exponent
    from minigrad.ops.pointwise import power_by_number

    return power_by_number(x, exponent)


def pow_tensors(x: ArrayOrTensor, exponent: ArrayOrTensor) -> ArrayOrTensor:
    """`x ** exponent` elementwise, as PyTorch's kernel computes it for tensors."""
    if isinstance(x, Tensor) or isinstance(exponent, Tensor):
        return as_tensor(x) ** exponent
    from minigrad.ops.pointwise import _power_of_tensors

    return _power_of_tensors(x, exponent)


def zeros(shape: tuple[int, ...], like: Tensor) -> Tensor:
    """Zeros of `shape` in `like`'s dtype and on its device, outside any graph (the buffer
    PyTorch's backward formulas scatter into)."""
    return Tensor._wrap(backend.array_module(like._data).zeros(shape, like._data.dtype))


def zeros_like(x: ArrayOrTensor) -> ArrayOrTensor:
    """Zeros of `x`'s shape and dtype, outside any graph (PyTorch's `zeros_like(grad)`)."""
    if isinstance(x, Tensor):
        return Tensor._wrap(np.zeros_like(x._data))
    return np.zeros_like(x)


def threshold_backward(grad: ArrayOrTensor, saved: ArrayOrTensor, threshold: float
                       ) -> ArrayOrTensor:
    """`grad` where `saved > threshold`, else 0: relu's backward, PyTorch's named op, so that a
    double backward shows ThresholdBackwardBackward0."""
    if isinstance(grad, Tensor) or isinstance(saved, Tensor):
        from minigrad.ops.pointwise import ThresholdBackward

        return ThresholdBackward.apply(as_tensor(grad), as_tensor(saved), threshold=threshold)
    if (type(grad) is np.ndarray and type(saved) is np.ndarray and grad.shape == saved.shape
            and grad.dtype.kind == "f"):
        return zeroed_where(grad, np.less_equal(saved, threshold))
    return np.where(saved <= threshold, grad.dtype.type(0), grad)


def zeroed_where(values: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Float `values` with +0.0 where the bool array `cut` (of their shape) is True.

    Selected by bits: the values' bits ANDed with all ones where kept, zeros where cut.
    `np.where` took ten times as long on a ReLU's mask here (its branches follow the random
    mask); a product with the mask would turn inf into NaN and keep the sign of -0.0.
    """
    unsigned = _UNSIGNED_OF_SIZE[values.dtype.itemsize]
    mask = cut.astype(unsigned)
    mask -= 1  # 1 (cut) -> 0, and 0 (kept) wraps round to all ones
    mask &= values.view(unsigned)
    return mask.view(values.dtype)


_UNSIGNED_OF_SIZE = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def tanh_backward(grad: ArrayOrTensor, output: ArrayOrTensor) -> ArrayOrTensor:
    """grad · (1 - y²), tanh's backward, PyTorch's named op (TanhBackwardBackward0)."""
    if isinstance(grad, Tensor) or isinstance(output, Tensor):
        from minigrad.ops.pointwise import TanhBackward

        return TanhBackward.apply(as_tensor(grad), as_tensor(output))
    return grad * (1 - output * output)


def sigmoid_backward(grad: ArrayOrTensor, output: ArrayOrTensor) -> ArrayOrTensor:
    """grad · (1 - y) · y, sigmoid's backward, PyTorch's named op (SigmoidBackwardBackward0)."""
    if isinstance(grad, Tensor) or isinstance(output, Tensor):
        from minigrad.ops.pointwise import SigmoidBackward

        return SigmoidBackward.apply(as_tensor(grad), as_tensor(output))
    return grad * (1 - output) * output


def as_tensor(value: ArrayOrTensor) -> Tensor:
    """`value` as a tensor (an array is wrapped, not copied): a named backward op's operand."""
    return value if isinstance(value, Tensor) else Tensor._wrap(value)


def _method_or_ufunc(name: str) -> Callable[[ArrayOrTensor], ArrayOrTensor]:
    """The op `name`: the tensor method `x.name()` on a tensor, NumPy's `np.name` on an array."""
    ufunc = getattr(np, name)

    def op(x: ArrayOrTensor) -> ArrayOrTensor:
        return getattr(x, name)() if isinstance(x, Tensor) else ufunc(x)

    op.__name__ = op.__qualname__ = name
    return op


cos, sin, cosh, sinh, exp, log, reciprocal = (
    _method_or_ufunc(name) for name in ("cos", "sin", "cosh", "sinh", "exp", "log", "reciprocal"))


def sgn(x: ArrayOrTensor) -> ArrayOrTensor:
    """-1, 0 or 1 by the sign of each element, 0 for NaN (PyTorch's `sgn`, abs's derivative)."""
    if isinstance(x, Tensor):
        from minigrad.ops.pointwise import sgn as sgn_op

        return sgn_op(x)
    from minigrad.ops.pointwise import _sign

    return _sign(x)
