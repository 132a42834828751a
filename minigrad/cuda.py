"""`minigrad.cuda`: GPU queries. This build computes on the CPU only, with NumPy."""

from __future__ import annotations

__all__ = ["device_count", "is_available"]


def is_available() -> bool:
    """False: minigrad has no GPU backend yet, so tutorials take their CPU path."""
    return False


def device_count() -> int:
    """The number of GPUs minigrad can use: none."""
    return 0
