"""Which of PyTorch's CPU kernel builds this machine runs, found when first asked.

The answer decides how float32 arithmetic rounds (one FMA rounding or two) and which
Box-Muller fills float32 normals. Finding it reads `/proc/cpuinfo`, so it waits for the
first computation that depends on it: `import minigrad` reads nothing.
"""

from __future__ import annotations

import os
from typing import NamedTuple

__all__ = ["Kernel", "kernel"]


class Kernel(NamedTuple):
    """How the PyTorch kernels this machine runs round their arithmetic.

    PyTorch compiles its sampling kernels several times and picks one at start-up.
    The AVX2 and AVX-512 builds (x86 with AVX2 and FMA, unless ATEN_CPU_CAPABILITY
    is "default") let the compiler fuse ``a * b + c`` into a single-rounding FMA,
    and fill float32 normals with a vectorised Box-Muller whose log and sincos
    come from avx_mathfun (Cephes polynomials). The plain x86 build rounds
    ``a * b`` and ``+ c`` separately and uses libm's logf and sincosf. ARM builds
    are assumed to fuse (their compilers contract ``a * b + c`` by default) and to
    use libm like the plain build; that combination is untested.
    """

    fused_multiply_add: bool
    avx2_normal: bool


_detected: Kernel | None = None


def kernel() -> Kernel:
    """The kernel build PyTorch would run here, detected on the first call."""
    global _detected
    if _detected is None:
        _detected = _detect()
    return _detected


def _cpu_has_avx2_and_fma() -> bool:
    """Whether the CPU has AVX2 and FMA, the features PyTorch's AVX2 kernels need."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    flags = line.split(":", 1)[1].split()
                    return "avx2" in flags and "fma" in flags
    except OSError:
        pass
    return True  # no /proc/cpuinfo (macOS, Windows): x86-64 CPUs since ~2015 have both


def _detect() -> Kernel:
    """Work out which PyTorch kernel build this machine would run."""
    # os.uname rather than the platform module, which costs import time.
    machine = os.uname().machine if hasattr(os, "uname") else os.environ.get(
        "PROCESSOR_ARCHITECTURE", "")
    if machine.lower() not in {"x86_64", "amd64"}:
        return Kernel(fused_multiply_add=True, avx2_normal=False)
    forced_default = os.environ.get("ATEN_CPU_CAPABILITY", "").lower() == "default"
    if forced_default or not _cpu_has_avx2_and_fma():
        return Kernel(fused_multiply_add=False, avx2_normal=False)
    return Kernel(fused_multiply_add=True, avx2_normal=True)
