"""Dtypes: what a tensor's elements are.

A `dtype` pairs PyTorch's name (what learners see printed) with the NumPy type
that stores the values (CuPy uses the same types).
"""

from __future__ import annotations

import builtins

import numpy as np

__all__ = [
    "bool",
    "double",
    "dtype",
    "float",
    "float32",
    "float64",
    "get_default_dtype",
    "int32",
    "int64",
    "long",
    "set_default_dtype",
]

_builtin_bool = bool


class dtype:
    """A tensor element type, printed as PyTorch prints it (`torch.float32`)."""

    __slots__ = ("is_floating_point", "itemsize", "name", "np")

    def __init__(self, name: str, np_type: type) -> None:
        self.name = name
        self.np = np.dtype(np_type)
        self.is_floating_point = self.np.kind == "f"
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name


float32 = float = dtype("float32", np.float32)
float64 = double = dtype("float64", np.float64)
float16 = half = dtype("float16", np.float16)
int64 = long = dtype("int64", np.int64)
int32 = int = dtype("int32", np.int32)
int16 = short = dtype("int16", np.int16)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
bool = dtype("bool", np.bool_)

_ALL_DTYPES = (float32, float64, float16, int64, int32, int16, int8, uint8, bool)
_BY_NUMPY = {d.np: d for d in _ALL_DTYPES}

_default_float = float32


def get_default_dtype() -> dtype:
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the dtype of tensors made from Python floats; only float32 and float64."""
    global _default_float
    if d not in (float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d!r}")
    _default_float = d


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    """The minigrad dtype that stores values as `np_dtype`."""
    try:
        return _BY_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only "
                        "supported types are: float64, float32, float16, complex64, complex128, "
                        "int64, int32, int16, int8, uint8, and bool.") from None


def dtype_named_by_python(value: object) -> dtype | None:
    """The dtype PyTorch reads from a Python type or number where it wants a dtype.

    `float`, `int` and `bool` name float64, int64 and bool; so do a float and a bool
    (`x.to(3.5)` is float64 in PyTorch). An int is a device index instead: None.
    """
    if value is builtins.float or builtins.type(value) is builtins.float:
        return float64
    if value is builtins.int:
        return int64
    if value is _builtin_bool or builtins.type(value) is _builtin_bool:
        return bool
    return None


def is_builtin_bool(value: object) -> _builtin_bool:
    """True for Python's own bool (shadowed in this module by the dtype)."""
    return isinstance(value, _builtin_bool)


class finfo:
    """Machine limits of a floating-point dtype (eps, max, tiny, ...), as `torch.finfo`."""

    def __init__(self, type: dtype | None = None) -> None:
        chosen = type or get_default_dtype()
        if not chosen.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        limits = np.finfo(chosen.np)
        self.dtype = chosen.name
        self.bits = builtins.int(limits.bits)
        self.eps = builtins.float(limits.eps)
        self.max = builtins.float(limits.max)
        self.min = builtins.float(limits.min)
        self.tiny = self.smallest_normal = builtins.float(limits.smallest_normal)
        self.resolution = 10.0 ** -builtins.int(limits.precision)  # exactly, as PyTorch

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype (min, max, bits), as `torch.iinfo`."""

    def __init__(self, type: dtype) -> None:
        if type.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        limits = np.iinfo(type.np)
        self.dtype = type.name
        self.bits = builtins.int(limits.bits)
        self.max = builtins.int(limits.max)
        self.min = builtins.int(limits.min)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
