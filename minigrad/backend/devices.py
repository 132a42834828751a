"""The array module behind each tensor: NumPy on the CPU, CuPy on an NVIDIA GPU.

A tensor stores no device of its own: the type of its array tells where it
lives (`numpy.ndarray` on the CPU, `cupy.ndarray` on a GPU), so the CPU path
pays one type check and nothing more. This is the only module that imports
CuPy, and it does so when a CUDA device is first asked for, never during
`import minigrad`.

Ops may go on computing with NumPy's functions: CuPy implements NumPy's
`__array_ufunc__` and `__array_function__`, so `np.exp(gpu_array)` runs on the
GPU. Only *making* an array must ask here which module to use, as in
`array_module(x).zeros(shape, dtype)`. GPU ops run on CuPy's current GPU, so
tensors may move to any GPU but compute on one at a time.
"""

from __future__ import annotations

import builtins
import functools
import threading
from collections.abc import Iterable
from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["CPU", "array_module", "as_array", "check_argument_devices", "check_same_device",
           "cuda_module", "device", "device_of", "factory_device", "get_default_device", "is_array",
           "module_for", "resolve", "set_default_device", "sum_to", "summed_dims", "to_device",
           "to_host"]

# The device types PyTorch's parser knows (minigrad runs on the first two); its error for an
# unknown one lists them all.
_PYTORCH_DEVICE_TYPES = ("cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, "
                         "maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone")


class device:
    """Where a tensor's values live: `device("cpu")`, `device("cuda:0")`, `device("cuda", 0)`.

    A bare number is a GPU index (`device(0)` is `cuda:0`), as in PyTorch.
    """

    __slots__ = ("index", "type")

    def __init__(self, type: str | builtins.int | device, index: builtins.int | None = None
                 ) -> None:
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, builtins.int):
            type, index = "cuda", type
        if not isinstance(type, str):
            kind = builtins.type(type).__name__
            raise TypeError(
                f"device() received an invalid combination of arguments - got ({kind}), but "
                "expected one of:\n * (torch.device device)\n      didn't match because some of "
                f"the arguments have invalid types: (!{kind}!)\n * (str type, int index = -1)\n")
        name, colon, number = type.partition(":")
        if name not in ("cpu", "cuda"):
            if name in _PYTORCH_DEVICE_TYPES.split(", "):
                raise RuntimeError(f"minigrad runs on cpu and cuda devices, not {name}")
            raise RuntimeError(f"Expected one of {_PYTORCH_DEVICE_TYPES} device type at start of "
                               f"device string: {type}")
        if colon and not (number.isdigit() and (number == "0" or number[0] != "0")):
            raise RuntimeError(f"Invalid device string: '{type}'")
        if colon and index is not None:
            raise RuntimeError("type (string) must not include an index because index was "
                               f"passed explicitly: {type}")
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type = name
        self.index = builtins.int(number) if colon else index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> builtins.bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


INSTALL_HINT = 'pip install "minigrad-kit[gpu]"'

# CuPy once it has loaded and found a GPU (tests install a double here: tests/fake_cuda.py),
# and the reason it could not, once that has been tried.
_cupy: Any = None
_cupy_error: str | None = None


def cuda_module() -> ModuleType:
    """CuPy, imported on first use; a RuntimeError says whether CuPy or a GPU is missing."""
    if _cupy is None:
        _load_cupy()
    return _cupy


def _load_cupy() -> None:
    global _cupy, _cupy_error
    if _cupy_error is None:
        try:
            import cupy
        except ImportError as error:
            missing = isinstance(error, ModuleNotFoundError) and error.name == "cupy"
            _cupy_error = ("CUDA tensors need CuPy, which is not installed" if missing else
                           f"CUDA tensors need CuPy, which failed to import ({error})")
            _cupy_error += f". Install minigrad with its GPU extra: {INSTALL_HINT}"
        else:
            try:
                found = cupy.cuda.runtime.getDeviceCount()
            except cupy.cuda.runtime.CUDARuntimeError as error:
                found, reason = 0, f" ({error})"
            else:
                reason = ""
            if found:
                _cupy = cupy
                return
            _cupy_error = (f"CUDA tensors need an NVIDIA GPU, but CuPy finds none{reason}. "
                           "Check the GPU and its driver with `nvidia-smi`.")
    raise RuntimeError(_cupy_error)


class _DefaultDevice(threading.local):
    """Where factories make tensors when not told: None for the CPU (per thread, as PyTorch)."""

    device: device | None = None


_default = _DefaultDevice()


def set_default_device(target: Any) -> None:
    """Make factories (`zeros`, `tensor`, `randn`, ...) create on `target`; None: the CPU."""
    wanted = None if target is None else target if isinstance(target, device) else device(target)
    _default.device = None if wanted is None or wanted.type == "cpu" else wanted


def get_default_device() -> device:
    """The device factories create on when not told, with its index filled in."""
    return CPU if _default.device is None else resolve(_default.device)


def factory_device(target: Any) -> Any:
    """The device a factory makes its tensor on: `target`, or the default one when None.

    None still means the CPU (the default unless changed), so the common case moves nothing.
    """
    return _default.device if target is None else target


@functools.cache
def _cuda_device(index: int) -> device:
    return device("cuda", index)


@functools.lru_cache(maxsize=64)
def _named(name: str | int) -> device:
    return device(name)


def _is_cuda(array: Any) -> bool:
    return type(array) is not np.ndarray and _cupy is not None and isinstance(array, _cupy.ndarray)


def is_array(value: Any) -> bool:
    """Whether `value` is an array that can back a tensor: NumPy's, or CuPy's on a GPU."""
    return type(value) is np.ndarray or _is_cuda(value)


def device_of(array: Any) -> device:
    """The device that holds `array`: the CPU for NumPy's arrays, `cuda:i` for CuPy's."""
    return _cuda_device(array.device.id) if _is_cuda(array) else CPU


def array_module(array: Any) -> ModuleType:
    """NumPy or CuPy: the module that makes new arrays on `array`'s device."""
    return _cupy if _is_cuda(array) else np


def broadcast_view(array: Any, shape: tuple[int, ...]) -> Any:
    """`array` broadcast to `shape` without a copy, and writable where `array` is.

    NumPy's `broadcast_to` is read-only; PyTorch's `expand` is not: writing into elements
    that share memory is what its in-place ops refuse, so minigrad checks that itself.
    """
    lead = len(shape) - array.ndim
    if type(array) is np.ndarray and lead >= 0:
        # The view made directly on the array's memory: several times cheaper than
        # `broadcast_to` and `as_strided` (a plain backward expands every sum's gradient).
        strides = [0] * lead
        for size, wanted, stride in zip(array.shape, shape[lead:], array.strides):
            if size == wanted:
                strides.append(stride)
            elif size == 1:
                strides.append(0)
            else:
                break  # not a broadcast: `broadcast_to` gives the error
        else:
            try:
                return np.ndarray(shape, array.dtype, array, 0, tuple(strides))
            except (BufferError, TypeError, ValueError):
                pass  # memory laid out in no one order (a strided slice) exports no buffer
    view = np.broadcast_to(array, shape)  # CuPy's own, for a CuPy array
    if type(view) is np.ndarray and array.flags.writeable:
        view = np.lib.stride_tricks.as_strided(array, view.shape, view.strides, writeable=True)
    return view


def summed_dims(current: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """The dims of an array of shape `current` to sum (keeping them) so it has `shape`: those
    broadcasting added or stretched. None if `current` is not a broadcast of `shape`."""
    lead = len(current) - len(shape)
    if lead < 0:
        return None
    dims = list(range(lead))
    for i, size in enumerate(shape, lead):
        if size != current[i]:
            if size != 1:
                return None
            dims.append(i)
    return tuple(dims)


def sum_to(array: Any, shape: tuple[int, ...], dims: tuple[int, ...] | None = None) -> Any:
    """`array`, a broadcast of `shape`, summed back down to it (a broadcast's gradient);
    `dims` are its `summed_dims` if the caller has them."""
    if dims is None:
        dims = summed_dims(array.shape, shape)
    if dims is None:
        raise ValueError(f"{array.shape} is not a broadcast of {shape}")
    if dims:
        array = array.sum(dims, keepdims=True)
    return array.reshape(shape) if array.shape != shape else array


def contiguous(array: Any) -> Any:
    """`array` in row-major order: itself if it is, else a copy (0-d arrays stay 0-d)."""
    return array if array.flags.c_contiguous else array.copy(order="C")


def as_array(value: Any, dtype: Any = None) -> Any:
    """A result as an array on its device: NumPy gives scalars for 0-d results, CuPy 0-d arrays."""
    if is_array(value):
        return value if dtype is None else value.astype(dtype, copy=False)
    return np.asarray(value, dtype=dtype)


def module_for(target: device) -> ModuleType:
    """NumPy or CuPy: the module whose arrays live on `target`."""
    return np if target.type == "cpu" else cuda_module()


def resolve(target: Any) -> device:
    """`target` (a device, its name, or a GPU index) as a device with its index filled in.

    Asking for CUDA checks that CuPy and a GPU are there; plain `"cuda"` means
    the current GPU, as in PyTorch.
    """
    wanted = target if isinstance(target, device) else _named(target)
    if wanted.type == "cpu":
        return CPU
    runtime = cuda_module().cuda.runtime
    index = runtime.getDevice() if wanted.index is None else wanted.index
    if not 0 <= index < runtime.getDeviceCount():
        raise RuntimeError("CUDA error: invalid device ordinal")
    return _cuda_device(index)


def to_device(array: Any, target: Any) -> Any:
    """`array` on `target` (a device or its name): the array itself if it is there, else a copy."""
    target = resolve(target)
    source = device_of(array)
    if source is target:  # both give one object per device
        return array
    if target.type == "cpu":
        return _cupy.asnumpy(array)
    cupy = cuda_module()
    with cupy.cuda.Device(target.index):
        # `copy()` of an array on another GPU makes the copy on the current one.
        return cupy.asarray(array) if source.type == "cpu" else array.copy()


def to_host(array: Any) -> np.ndarray:
    """`array` as a NumPy array: itself on the CPU, a copy from the GPU."""
    return _cupy.asnumpy(array) if _is_cuda(array) else array


def check_same_device(*arrays: Any) -> device:
    """The device of an elementwise op on `arrays`, with PyTorch's error if they are on two.

    As in PyTorch, a 0-d array on the CPU (a scalar) may join arrays on a GPU;
    the caller moves it there.
    """
    devices = [device_of(array) for array in arrays]
    common = next((d for d in devices if d.type != "cpu"), CPU)
    for array, found in zip(arrays, devices):
        if found != common and not (found.type == "cpu" and array.ndim == 0):
            raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                               f"two devices, {common} and {found}!")
    return common


def check_argument_devices(kernel: str, arguments: Iterable[tuple[str, Any]]) -> device:
    """The device of a matrix op or a join, with PyTorch's error naming the stray argument.

    `arguments` are (name, array) pairs in PyTorch's order: the first sets the
    device. `kernel` is the op's name in PyTorch's CUDA wrapper (`mm`, `_dot`).
    """
    common = None
    for name, array in arguments:
        found = device_of(array)
        if common is None:
            common = found
        elif found != common:
            raise RuntimeError(
                f"Expected all tensors to be on the same device, but got {name} is on {found}, "
                f"different from other tensors on {common} (when checking argument in method "
                f"wrapper_CUDA_{kernel})")
    return CPU if common is None else common
