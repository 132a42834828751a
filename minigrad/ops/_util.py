"""Shared mechanics of the ops: dims, PyTorch's type promotion, broadcasting and device checks."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _backend, backend
from minigrad._tensor import Tensor

_SCALAR_TYPES = (int, float, bool, np.generic)


def is_scalar(value: Any) -> bool:
    """A Python or NumPy number (not a tensor)."""
    return isinstance(value, _SCALAR_TYPES)


def wrap_dim(dim: int, ndim: int) -> int:
    """A possibly negative dim as an index in `range(ndim)`, with PyTorch's error.

    A 0-d tensor is treated as having one dim, so 0 and -1 name the tensor itself,
    as in PyTorch: ops that act along a dim (squeeze, softmax, max, transpose) accept them.
    """
    span = max(ndim, 1)
    if not -span <= dim < span:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-span}, {span - 1}], "
            f"but got {dim})"
        )
    return dim % span


def wrap_dims(dims: Any, ndim: int) -> tuple[int, ...]:
    """The axes that `dims` (an int or a sequence of them) name, for NumPy's `axis=`.

    The one rule for dims on a 0-d tensor: 0 and -1 are accepted (see `wrap_dim`)
    and name no axis of the array, so a reduction or a squeeze over them leaves the
    value as it is, as in PyTorch. A dim named twice is PyTorch's error.
    """
    if isinstance(dims, int):
        dims = (dims,)
    axes = tuple([wrap_dim(d, ndim) for d in dims])
    if len(set(axes)) != len(axes):
        repeated = next(a for i, a in enumerate(axes) if a in axes[:i])
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
    return axes if ndim else ()


def _category(kind: str) -> int:
    return {"b": 0, "u": 1, "i": 1, "f": 2}[kind]


def result_dtype(*operands: Any) -> np.dtype:
    """The dtype of an op on `operands`, by PyTorch's rules.

    The highest category (bool < integer < floating) wins; within it, tensors
    with dimensions outrank 0-dim tensors, which outrank Python numbers. So
    float32 tensor + 2.5 stays float32 and int64 tensor * 2.5 is float32.
    """
    groups: list[list[np.dtype]] = [[], [], []]
    for op in operands:
        if isinstance(op, Tensor):
            groups[0 if op._data.ndim else 1].append(op._data.dtype)
        elif isinstance(op, (bool, np.bool_)):
            groups[2].append(np.dtype(np.bool_))
        elif isinstance(op, (int, np.integer)):
            groups[2].append(np.dtype(np.int64))
        else:
            groups[2].append(_backend.get_default_dtype().np)
    top = max(_category(d.kind) for group in groups for d in group)
    for group in groups:
        candidates = [d for d in group if _category(d.kind) == top]
        if candidates:
            return np.result_type(*candidates)
    raise AssertionError("no operands")


def check_broadcast(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> None:
    """Raise PyTorch's error when two shapes do not broadcast."""
    ndim = max(len(shape_a), len(shape_b))
    for i in range(ndim - 1, -1, -1):
        offset = ndim - 1 - i
        a = shape_a[len(shape_a) - 1 - offset] if offset < len(shape_a) else 1
        b = shape_b[len(shape_b) - 1 - offset] if offset < len(shape_b) else 1
        if a != b and a != 1 and b != 1:
            raise RuntimeError(
                f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                f"non-singleton dimension {i}"
            )


def operand_arrays(a: Any, b: Any, *, floating: bool = False) -> tuple[Any, Any]:
    """The array operands of a binary op, promoted as PyTorch promotes them.

    Python numbers stay Python numbers when NumPy's own promotion already
    agrees, which keeps the common cases (float32 tensor and a float) cheap.
    Tensors on two devices are PyTorch's error, but for a 0-d CPU tensor,
    which joins the other on its GPU.
    """
    a_is_tensor = isinstance(a, Tensor)
    b_is_tensor = isinstance(b, Tensor)
    a_data = a._data if a_is_tensor else a
    b_data = b._data if b_is_tensor else b
    if a_is_tensor and b_is_tensor:
        if type(a_data) is not type(b_data):  # arrays of one type are on one device
            a_data, b_data = on_one_device(a_data, b_data)
        if a_data.shape != b_data.shape:
            check_broadcast(a_data.shape, b_data.shape)
        if a_data.dtype == b_data.dtype and (not floating or a_data.dtype.kind == "f"):
            return a_data, b_data
    elif a_is_tensor and a_data.dtype.kind == "f" and type(b) in (int, float):
        return a_data, b_data
    elif b_is_tensor and b_data.dtype.kind == "f" and type(a) in (int, float):
        return a_data, b_data
    target = result_dtype(a, b)
    if floating and target.kind != "f":
        target = _backend.get_default_dtype().np
    return _cast(a_data, target), _cast(b_data, target)


def _cast(value: Any, target: np.dtype) -> Any:
    if hasattr(value, "dtype"):  # an array on any device, or a NumPy scalar
        return value if value.dtype == target else value.astype(target)
    return target.type(value)  # a NumPy scalar goes with arrays on any device


def on_one_device(*arrays: Any) -> list[Any]:
    """The arrays of an elementwise op, checked to share a device (PyTorch's error if not).

    A 0-d CPU array, PyTorch's CPU scalar, is moved to the others' GPU.
    """
    common = backend.check_same_device(*arrays)
    return [backend.to_device(array, common) for array in arrays]


def floating_data(tensor: Tensor) -> np.ndarray:
    """The tensor's values, as the default float dtype if they are integers or bools."""
    data = tensor._data
    if data.dtype.kind == "f":
        return data
    return data.astype(_backend.get_default_dtype().np)

