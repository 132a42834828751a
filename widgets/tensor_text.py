"""Short text for tensors: what a graph box, an edge label or a side panel can show.

Works on minigrad and PyTorch tensors alike (and NumPy arrays, numbers), reading
them only through `.detach()` and `.numpy()`, so one drawing code serves both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from widgets.i18n import text

__all__ = ["as_numpy", "norm_text", "range_text", "shape_text", "summary_text", "values_text"]

# Tensors with at most this many elements are shown in full.
SMALL_TENSOR = 6
# A summarised tensor shows this many leading elements (and the last one).
SHOWN_ELEMENTS = 3


def as_numpy(value: Any) -> np.ndarray | None:
    """The values of a tensor, array or number as a NumPy array (None stays None)."""
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach"):
        value = value.detach()
        if hasattr(value, "cpu"):
            value = value.cpu()
        return np.asarray(value.numpy())
    return np.asarray(value)


def shape_text(shape: Any) -> str:
    """A shape as learners type it: `(16, 1000)`, `(25,)`, or `scalar` (in the language set)."""
    dims = tuple(int(n) for n in shape)
    if not dims:
        return text("shape.scalar")
    return f"({dims[0]},)" if len(dims) == 1 else "(" + ", ".join(map(str, dims)) + ")"


def _number(x: Any, digits: int = 4) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{float(x):.{digits}g}"


def values_text(value: Any, small: int = SMALL_TENSOR, shown: int = SHOWN_ELEMENTS,
                digits: int = 4) -> str:
    """The values: all of them for a small tensor, else the first `shown`, `…` and the last."""
    array = as_numpy(value)
    if array is None:
        return "None"
    if array.ndim == 0:
        return _number(array.item(), digits)
    flat = array.reshape(-1)
    if flat.size <= small:
        return "[" + ", ".join(_number(x, digits) for x in flat) + "]"
    first = [_number(x, digits) for x in flat[:shown]]
    return "[" + ", ".join([*first, "…", _number(flat[-1], digits)]) + "]"


def summary_text(value: Any, small: int = SMALL_TENSOR) -> str:
    """Values for a small tensor; shape and min/mean/max for a big one."""
    array = as_numpy(value)
    if array is None:
        return "None"
    if array.size <= small:
        return values_text(array, small)
    return f"{shape_text(array.shape)} {range_text(array)}"


def norm_text(value: Any) -> str:
    """The L2 norm of a tensor's values, to 4 significant digits."""
    return _number(float(np.sqrt(np.sum(np.square(as_numpy(value).astype(float))))))


def range_text(value: Any) -> str:
    """`min … · mean … · max …` of a numeric tensor (its dtype otherwise)."""
    array = as_numpy(value)
    if array.dtype.kind not in "fiu":
        return str(array.dtype)
    return (f"min {_number(array.min())} · mean {_number(array.mean())} · "
            f"max {_number(array.max())}")
