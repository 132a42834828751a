"""`minigrad.accelerator`: the device-neutral way to ask for a GPU, as `torch.accelerator`.

minigrad's one accelerator is CUDA through CuPy: where CuPy finds no NVIDIA GPU
(or is not installed), there is none, and these answer as a CPU-only PyTorch does.
"""

from __future__ import annotations

from minigrad import backend, cuda

__all__ = ["current_accelerator", "current_device_index", "device_count", "is_available"]


def is_available() -> bool:
    """Whether an accelerator (a GPU that CuPy finds) can be used. Never raises."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> backend.device | None:
    """The accelerator's device type, `device(type='cuda')`, or None where there is none.

    `check_available` is PyTorch's runtime check; minigrad only ever finds a GPU at run
    time, so both answers agree.
    """
    return backend.device("cuda") if cuda.is_available() else None


def device_count() -> int:
    """The number of accelerators (0 without one)."""
    return cuda.device_count()


def current_device_index() -> int:
    """The index of the accelerator that plain `"cuda"` means; PyTorch's error without one."""
    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    return cuda.current_device()
