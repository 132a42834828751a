"""A stand-in for CuPy and a GPU, so the device logic is tested on machines without one.

`FakeCudaArray` is a NumPy array that plays an array on `cuda:0`. NumPy
computes its values, while it keeps the CuPy rules that minigrad relies on,
so a slip that would break on a real GPU breaks here too:

- NumPy's ufuncs and functions on it give FakeCudaArrays, as they give CuPy
  arrays through `__array_ufunc__` and `__array_function__`, and a 0-d result
  stays a 0-d array instead of becoming a NumPy scalar;
- mixing it with a plain NumPy array is CuPy's TypeError, so an array made with
  `np.zeros` inside an op, where it should have followed the op's input to the
  device, fails loudly; one that slips through shows up as a tensor on the CPU.

`FakeCupy` is the module: the few functions `minigrad.backend` calls, and the
array factories ops use. The `fake_cuda` fixture installs one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class _Device:
    """What CuPy's `array.device` and `cupy.cuda.Device(i)` are: a GPU by its index."""

    def __init__(self, id: int = 0, on_synchronize: Callable[[], None] | None = None) -> None:
        self.id = id
        self._on_synchronize = on_synchronize

    def synchronize(self) -> None:
        if self._on_synchronize is not None:
            self._on_synchronize()

    def __enter__(self) -> _Device:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None


class _Defer(Exception):
    """An operand of another array type (a minigrad Tensor): let it handle the ufunc."""


def _unwrap(value: Any) -> Any:
    """The NumPy view of a fake GPU array; CuPy's TypeError for a plain host array."""
    if isinstance(value, FakeCudaArray):
        return value.view(np.ndarray)
    if isinstance(value, np.ndarray):
        raise TypeError(f"Unsupported type {type(value)}")
    if isinstance(value, (tuple, list)):
        return type(value)(_unwrap(item) for item in value)
    if not isinstance(value, np.generic) and hasattr(value, "__array_ufunc__"):
        raise _Defer
    return value


def _wrap(value: Any) -> Any:
    """Results back on the fake GPU, 0-d ones as arrays (as CuPy gives them)."""
    if isinstance(value, np.ndarray):
        return value.view(FakeCudaArray)
    if isinstance(value, np.generic):
        return np.asarray(value).view(FakeCudaArray)
    if isinstance(value, tuple):
        return tuple(_wrap(item) for item in value)
    if isinstance(value, list):
        return [_wrap(item) for item in value]
    return value


class FakeCudaArray(np.ndarray):
    """A NumPy array that stands for one on `cuda:0`, under CuPy's rules."""

    device = _Device(0)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        out = kwargs.get("out")
        try:
            inputs = _unwrap(inputs)
            if out is not None:
                kwargs["out"] = _unwrap(out)
        except _Defer:
            return NotImplemented
        result = getattr(ufunc, method)(*inputs, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _wrap(result)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        try:
            args, kwargs = _unwrap(args), {k: _unwrap(v) for k, v in kwargs.items()}
        except _Defer:
            return NotImplemented
        return _wrap(func(*args, **kwargs))


class _Runtime:
    """`cupy.cuda.runtime`: one GPU, index 0."""

    class CUDARuntimeError(RuntimeError):
        pass

    def __init__(self, count: int) -> None:
        self.count = count

    def getDeviceCount(self) -> int:  # CuPy's name
        return self.count

    def getDevice(self) -> int:  # CuPy's name
        return 0

    def getDeviceProperties(self, index: int) -> dict[str, Any]:  # CuPy's name
        return {"name": b"Stand-in GPU"}


class _Cuda:
    """`cupy.cuda`: the runtime and `Device(i)`, whose `synchronize()` the fake counts."""

    def __init__(self, count: int) -> None:
        self.runtime = _Runtime(count)
        self.synchronized = 0

    def Device(self, index: int | None = None) -> _Device:  # CuPy's name
        return _Device(0 if index is None else index, self._count_synchronize)

    def _count_synchronize(self) -> None:
        self.synchronized += 1


def _factory(make: Callable[..., np.ndarray]) -> Callable[..., FakeCudaArray]:
    def on_fake_gpu(*args: Any, **kwargs: Any) -> FakeCudaArray:
        return make(*args, **kwargs).view(FakeCudaArray)

    return on_fake_gpu


class FakeCupy:
    """The CuPy module as minigrad uses it, with one fake GPU."""

    ndarray = FakeCudaArray
    zeros = staticmethod(_factory(np.zeros))
    ones = staticmethod(_factory(np.ones))
    empty = staticmethod(_factory(np.empty))
    full = staticmethod(_factory(np.full))
    arange = staticmethod(_factory(np.arange))
    eye = staticmethod(_factory(np.eye))

    def __init__(self, device_count: int = 1) -> None:
        self.cuda = _Cuda(device_count)

    @staticmethod
    def asarray(value: Any, dtype: Any = None) -> FakeCudaArray:
        """A copy on the fake GPU (or the array itself if it is there already)."""
        if isinstance(value, FakeCudaArray):
            return value if dtype is None else value.astype(dtype, copy=False)
        return np.array(value, dtype=dtype).view(FakeCudaArray)

    @staticmethod
    def asnumpy(value: FakeCudaArray) -> np.ndarray:
        """A copy in host memory, a plain NumPy array."""
        return np.array(value.view(np.ndarray))
