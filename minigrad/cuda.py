"""`minigrad.cuda`: is a GPU there, how many, and waiting for the work queued on it.

CUDA tensors are CuPy arrays; CuPy is optional (`pip install "minigrad-kit[gpu]"`)
and is imported only when one of these functions, or a CUDA tensor, first needs it.
"""

from __future__ import annotations

from typing import Any

from minigrad import backend

__all__ = ["current_device", "device_count", "get_device_name", "is_available", "synchronize"]


def is_available() -> bool:
    """Whether CUDA tensors can be made: CuPy imports and finds an NVIDIA GPU. Never raises."""
    try:
        backend.cuda_module()
    except RuntimeError:
        return False
    return True


def device_count() -> int:
    """The number of GPUs CuPy sees (0 without CuPy or a GPU)."""
    if not is_available():
        return 0
    return backend.cuda_module().cuda.runtime.getDeviceCount()


def current_device() -> int:
    """The index of the GPU that plain `"cuda"` means."""
    return backend.resolve("cuda").index


def get_device_name(device: Any = None) -> str:
    """The GPU's name as its driver gives it (`device`, or the current one)."""
    target = backend.resolve("cuda" if device is None else device)
    name = backend.cuda_module().cuda.runtime.getDeviceProperties(target.index)["name"]
    return name.decode() if isinstance(name, bytes) else name


def synchronize(device: Any = None) -> None:
    """Wait until every op queued on the GPU (`device`, or the current one) has finished.

    GPU ops return before their work is done, so a timing must synchronise
    before it reads the clock.
    """
    target = backend.resolve("cuda" if device is None else device)
    if target.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {target}")
    backend.cuda_module().cuda.Device(target.index).synchronize()
