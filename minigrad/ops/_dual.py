"""Backward formulas for arrays and tensors alike.

A formula of an op with `_backward_on_arrays` runs on NumPy (or CuPy) arrays in a
plain backward pass and on tensors under `create_graph=True`. Operators work on
both; these functions are the ops that NumPy and PyTorch spell differently
(`np.cos(x)` against `x.cos()`). On tensors each is the recorded minigrad op, so
a double backward sees the graph PyTorch would build.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad import backend
from minigrad._tensor import Tensor


def expand(x: Any, shape: tuple[int, ...]) -> Any:
    """`x` broadcast to `shape` (a view)."""
    return x.expand(shape) if isinstance(x, Tensor) else backend.broadcast_view(x, shape)


def unsqueeze(x: Any, dim: int) -> Any:
    """`x` with a dimension of size 1 inserted at `dim`."""
    return x.unsqueeze(dim) if isinstance(x, Tensor) else np.expand_dims(x, dim)


def sum_keepdim(x: Any, dims: Any) -> Any:
    """`x` summed over `dims`, keeping them as dimensions of size 1."""
    return x.sum(dims, keepdim=True) if isinstance(x, Tensor) else x.sum(dims, keepdims=True)


def matrix_t(x: Any) -> Any:
    """The transpose of a matrix."""
    return x.t() if isinstance(x, Tensor) else x.T


def transpose(x: Any, dim0: int, dim1: int) -> Any:
    """`x` with two dimensions swapped."""
    return x.transpose(dim0, dim1) if isinstance(x, Tensor) else np.swapaxes(x, dim0, dim1)


def permute(x: Any, dims: tuple[int, ...]) -> Any:
    """`x` with its dimensions in the order `dims`."""
    return x.permute(*dims) if isinstance(x, Tensor) else np.transpose(x, dims)


def squeeze(x: Any, dim: int) -> Any:
    """`x` without its dimension `dim` (of size 1)."""
    return x.squeeze(dim) if isinstance(x, Tensor) else np.squeeze(x, dim)


def where(condition: Any, x: Any, y: Any) -> Any:
    """`x` where `condition` holds, else `y`: selects, so a NaN or inf left out stays out."""
    if isinstance(condition, Tensor) or isinstance(x, Tensor) or isinstance(y, Tensor):
        from minigrad.ops.pointwise import where as where_op

        return where_op(_tensor(condition), x, y)
    return np.where(condition, x, y)


def mul_scalar(x: Any, number: float) -> Any:
    """`x * number` where PyTorch's formula calls `mul(Tensor, Scalar)` (MulBackward1)."""
    if isinstance(x, Tensor):
        from minigrad.ops.pointwise import MulScalar

        return MulScalar.apply(x, other=number)
    return x * number


def pow_scalar(x: Any, exponent: float) -> Any:
    """`x ** exponent` as PyTorch's kernel computes it (a square root for ±0.5)."""
    if isinstance(x, Tensor):
        return x ** exponent
    from minigrad.ops.pointwise import power_by_number

    return power_by_number(x, exponent)


def zeros_like(x: Any) -> Any:
    """Zeros of `x`'s shape and dtype, outside any graph (PyTorch's `zeros_like(grad)`)."""
    if isinstance(x, Tensor):
        return Tensor._wrap(np.zeros_like(x._data))
    return np.zeros_like(x)


def threshold_backward(grad: Any, saved: Any, threshold: float) -> Any:
    """`grad` where `saved > threshold`, else 0: relu's backward, PyTorch's named op, so that a
    double backward shows ThresholdBackwardBackward0."""
    if isinstance(grad, Tensor) or isinstance(saved, Tensor):
        from minigrad.ops.pointwise import ThresholdBackward

        return ThresholdBackward.apply(_tensor(grad), _tensor(saved), threshold=threshold)
    return np.where(saved <= threshold, grad.dtype.type(0), grad)


def _tensor(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor._wrap(value)


def _method_or_ufunc(name: str) -> Callable[[Any], Any]:
    """The op `name`: the tensor method `x.name()` on a tensor, NumPy's `np.name` on an array."""
    ufunc = getattr(np, name)

    def op(x: Any) -> Any:
        return getattr(x, name)() if isinstance(x, Tensor) else ufunc(x)

    op.__name__ = op.__qualname__ = name
    return op


cos, sin, cosh, sinh, exp, log, reciprocal = (
    _method_or_ufunc(name) for name in ("cos", "sin", "cosh", "sinh", "exp", "log", "reciprocal"))


def sgn(x: Any) -> Any:
    """-1, 0 or 1 by the sign of each element, 0 for NaN (PyTorch's `sgn`, abs's derivative)."""
    if isinstance(x, Tensor):
        from minigrad.ops.pointwise import sgn as sgn_op

        return sgn_op(x)
    from minigrad.ops.pointwise import _sign

    return _sign(x)
