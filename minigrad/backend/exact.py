"""Float arithmetic rounded exactly as PyTorch's CPU kernels round it.

PyTorch's vectorised kernels fuse ``a * b + c`` into one FMA, which rounds once;
NumPy has no FMA, so this module emulates it exactly (error-free transformations
in float64), and knows when plain float64 arithmetic already gives the same bits.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad.backend import cpu

__all__ = ["CHUNK", "add_scaled", "blas_fma_routine", "chunked", "fma32_exact", "fma64_exact",
           "fused_multiply_add", "multiply_add"]

# Elements per NumPy pass in the long float computations (random draws, the optimizers'
# exact FMA): float64 temporaries of 256 KB stay in cache. Measured fastest among 12k to
# 64k for both, and about twice as fast as whole-array passes.
CHUNK = 32768

# A float64 lies exactly halfway between two float32 values when the 29 bits of its
# significand below float32 precision are 1 followed by zeros. Shifted left by 35, to the
# top of an int64, those bits (and nothing else) remain, and that pattern is int64's minimum.
_BELOW_FLOAT32_SHIFT = 64 - 29
_FLOAT32_HALFWAY_AT_TOP = np.iinfo(np.int64).min
# Up to float32's smallest normal the spacing is a fixed 2**-149, coarser than 24 bits
# there: the halfway points of that range show no fixed pattern in the low bits.
_FLOAT32_SMALLEST_NORMAL = np.float32(2.0**-126)
_VELTKAMP_SPLITTER = 2.0**27 + 1


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Knuth's TwoSum: ``a + b`` rounded, and the exact rounding error."""
    total = a + b
    b_part = total - a
    error = (a - (total - b_part)) + (b - b_part)
    return total, error


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Veltkamp's split of float64 values into two non-overlapping 26-bit halves."""
    scaled = a * _VELTKAMP_SPLITTER
    high = scaled - (scaled - a)
    return high, a - high


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dekker's TwoProduct: ``a * b`` rounded, and the exact rounding error."""
    product = a * b
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low
    return product, error


def _round_to_odd_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a + b`` in float64 rounded to odd: inexact sums get an odd last bit.

    Rounding to odd keeps enough information that rounding the result again, to
    a narrower format, gives the same answer as rounding the exact sum once.
    """
    total, error = _two_sum(a, b)
    total = np.asarray(total)  # 0-d operands give a NumPy scalar, which cannot change in place
    # An inexact sum that rounded to an even neighbour moves one step to the
    # other, odd, neighbour: up in magnitude if the error points away from zero.
    step = (np.sign(error) * np.sign(total)).astype(np.int64)
    step *= (total.view(np.uint64) & np.uint64(1)) == 0
    bits = total.view(np.int64)
    bits += step
    return total


def fma64_exact(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """``a * b + c`` on float64 with one rounding, as C's ``fma`` does.

    Exact for finite inputs whose product neither overflows nor underflows.

    Boldo and Melquiond's emulation: split the product and the sum into exact
    high and low parts, add the low parts rounded to odd, then round once.
    """
    product, product_error = _two_product(a, np.full_like(a, b))
    high, low = _two_sum(np.full_like(a, c), product)
    return high + _round_to_odd_sum(low, product_error)


def fma32_exact(a: object, b: object, c: object) -> np.ndarray:
    """``a * b + c`` on float32 values with one rounding, as ``fmaf`` does.

    The product of two float32 values is exact in float64, but the float64 sum
    rounds once more, which spoils the final rounding to float32 only when it
    lands exactly halfway between two float32 values. Above the smallest normal
    the low bits show it (one shift and one minimum test all elements); up to it
    the spacing is coarser, and such a sum rounds inexactly into the subnormal
    range, which the processor's underflow flag tells. Flagged elements are redone
    with the sum rounded to odd, which makes the double rounding exact.

    The float64 work happens in place in one buffer, cast from `a` first: NumPy's
    mixed float32/float64 ufunc loops cast through small buffers and cost about
    twice a same-type pass, and each fresh temporary costs page faults. Like
    NumPy's arithmetic, it gives a NumPy scalar for 0-d operands.
    """
    wide = np.empty(np.broadcast(a, b, c).shape)
    np.copyto(wide, a)
    wide *= b
    wide += c
    result, underflow = _to_float32(wide)
    bits = wide.view(np.int64)
    bits <<= _BELOW_FLOAT32_SHIFT
    if underflow or bits.min(initial=0) == _FLOAT32_HALFWAY_AT_TOP:
        redo = bits == _FLOAT32_HALFWAY_AT_TOP
        if underflow:
            magnitude = np.abs(result)
            redo |= (magnitude <= _FLOAT32_SMALLEST_NORMAL) & (magnitude > 0)
        _redo_rounded_once(result, redo, wide, a, b, c)
    return result if result.ndim else result[()]


def _to_float32(wide: np.ndarray) -> tuple[np.ndarray, bool]:
    """`wide` rounded to float32, and whether some value rounded inexactly to float32's
    smallest normal or below: the processor's underflow flag, which NumPy checks after the
    cast, tells it for the cost of entering a context, far less than a pass over `wide`."""
    try:
        with np.errstate(under="raise"):
            return wide.astype(np.float32), False
    except FloatingPointError:
        with np.errstate(under="ignore"):
            return wide.astype(np.float32), True


def _redo_rounded_once(result: np.ndarray, redo: np.ndarray, wide: np.ndarray,
                       a: object, b: object, c: object) -> None:
    """Recompute the elements of `result` flagged in `redo` with the float64 sum rounded to
    odd: picked out when they are few, else with whole-array passes (in `wide`, a scratch
    buffer of the result's shape) of which only the flagged elements are kept, as the
    rounding to odd is meaningless where the sum is infinite or NaN."""
    if np.count_nonzero(redo) < redo.size // 16:
        a, b, c = (np.broadcast_to(v, redo.shape)[redo].astype(np.float64) for v in (a, b, c))
        result[redo] = _round_to_odd_sum(a * b, c)
        return
    np.copyto(wide, a)
    wide *= b
    offset = np.broadcast_to(np.asarray(c, dtype=np.float64), wide.shape)
    np.copyto(result, _round_to_odd_sum(wide, offset), casting="same_kind", where=redo)


def multiply_add(x: np.ndarray, scale: float, offset: float, *, fused: bool) -> np.ndarray:
    """``x * scale + offset`` in x's precision: rounded once if `fused` (an FMA), else twice.

    The exact FMA emulation is only needed when neither step is exact; it works
    through x in chunks so its float64 temporaries stay small.
    """
    if not fused or scale == 1 or offset == 0:
        return x * scale + offset  # also turns -0.0 into 0.0, as the FMA does
    if x.dtype == np.float32 and np.float32(scale) == scale and np.float32(offset) == offset:
        result = _fma_by_blas(x, np.float32(scale), np.float32(offset))
        if result is not None:
            return result
    return chunked(fma32_exact if x.dtype == np.float32 else fma64_exact, x, scale, offset)


def chunked(fma: Callable[..., np.ndarray], a: np.ndarray, b: Any, c: Any) -> np.ndarray:
    """`fma(a, b, c)` a chunk of `CHUNK` elements at a time, so its float64 temporaries stay
    in cache; `b` and `c` are numbers or arrays of `a`'s shape."""
    operands = [np.ravel(v) if np.ndim(v) else v for v in (a, b, c)]
    result = np.empty(a.size, a.dtype)
    for start in range(0, a.size, CHUNK):
        part = slice(start, start + CHUNK)
        result[part] = fma(*[v[part] if np.ndim(v) else v for v in operands])
    return result.reshape(a.shape)




def fused_multiply_add(a: np.ndarray, b: Any, c: Any) -> np.ndarray:
    """a * b + c as PyTorch's CPU kernels compute it: with one rounding where they use FMA.

    PyTorch's add-with-alpha, lerp and addcmul kernels compile to fused
    multiply-adds on CPUs that have them, so rounding `a * b` before adding
    would make the results drift from PyTorch's in the last bit. On a GPU
    (`a` not a NumPy array) the product is rounded first: close, not bitwise.
    """
    if not (type(a) is np.ndarray and a.dtype == np.float32
            and cpu.kernel().fused_multiply_add):
        return a * b + c
    if (type(c) is np.ndarray and c.dtype == np.float32 and c.shape == a.shape
            and isinstance(b, (float, np.floating))):
        result = _fma_by_blas(a, np.float32(b), c)
        if result is not None:
            return result
    # In one piece: for an optimizer's parameters (1e4 to 1e6 elements) whole-array passes
    # measured 1.2 to 1.5 times faster here than passes of `CHUNK` elements.
    return fma32_exact(a, b, c)


# ------------------------------------------------------------------------ the FMA of BLAS
#
# The OpenBLAS that NumPy's wheels ship has a float32 FMA in two of its level-1 routines,
# which NumPy does not call: they are called through ctypes, from the library NumPy itself
# loaded. Which kernel OpenBLAS picks depends on the CPU, and whether that kernel fuses is
# documented nowhere, so each routine is checked once against the emulation before it is
# used: on products as large as the offsets, where one rounding more shows in about a fifth
# of the elements, on values over many binades, where the float64 sum's rounding shows, and
# on signed zeros.
#
# - saxpy (y += alpha * x): on some CPUs (the machine of this project's first
#   measurements) its kernel computes each element as fma(alpha, x, y), PyTorch's single
#   rounding, in one pass and in place, as fast as PyTorch's own kernel. OpenBLAS skips
#   the update when alpha is 0 (which PyTorch does not: 0 * inf is NaN), so that goes
#   elsewhere.
# - srotm (the modified plane rotation; with its flag 0, x' = x + h12 * y and
#   y' = h21 * x + y): where OpenBLAS picks its Haswell kernels (as it does for AMD's Zen 5,
#   whose saxpy there rounds twice), x' is computed as fma(h12, y, x). With x = c, h12 = b
#   and y = a, x' is fma(a, b, c), written in place. y must be a copy: y' = 0 * x + y is not
#   y where x is inf or NaN, nor where y is -0.0 and x positive. So one copy more than
#   saxpy: 16 µs for the TinyModel's 100k weights, against 22 for srot (whose x' fuses too,
#   but which needs a second copy) and about 10 for PyTorch.


def _fma_by_blas(a: np.ndarray, b: np.float32, c: np.ndarray | np.float32,
                 out: np.ndarray | None = None) -> np.ndarray | None:
    """``a * b + c`` rounded once by NumPy's BLAS, into `out` if given (float32, of `a`'s
    shape; it may be `c` itself), or None where neither routine fuses: `a` a float32 array,
    `c` one of its shape or a float32 number."""
    if b != 0 and a.flags.c_contiguous and 0 not in a.strides and _saxpy_fuses():
        return _fma_by_saxpy(a, b, c, out)
    if _srotm_fuses():
        return _fma_by_srotm(a, b, c, out)
    return None


@functools.cache
def _openblas(name: str, *argtypes: Any) -> Callable[..., None] | None:
    """The CBLAS routine `name` (`saxpy`) of the OpenBLAS beside NumPy, by its 64-bit-int
    interface, or None."""
    package = os.path.dirname(np.__file__)
    for path in sorted(glob.glob(os.path.join(package + ".libs", "*openblas*"))
                       + glob.glob(os.path.join(package, ".dylibs", "*openblas*"))):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in (f"scipy_cblas_{name}64_", f"cblas_{name}64_"):
            routine = getattr(library, symbol, None)
            if routine is not None:
                routine.restype = None
                routine.argtypes = list(argtypes)
                return routine
    return None


def _saxpy() -> Callable[..., None] | None:
    """`cblas_saxpy(n, alpha, x, incx, y, incy)`, or None."""
    return _openblas("saxpy", ctypes.c_int64, ctypes.c_float, ctypes.c_void_p,
                     ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64)


def _srotm() -> Callable[..., None] | None:
    """`cblas_srotm(n, x, incx, y, incy, param)`, or None."""
    return _openblas("srotm", ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64,
                     ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p)


def _fma_by_saxpy(a: np.ndarray, b: np.float32, c: np.ndarray | np.float32,
                  out: np.ndarray | None = None) -> np.ndarray:
    """``a * b + c`` by saxpy (see above): `a` C-contiguous, `b` not 0."""
    if (out is not None and out is c and out.flags.c_contiguous
            and (a is out or not np.may_share_memory(a, out))):
        result = out  # in place: an optimizer's step
    else:
        result = _contiguous_copy(c, a.shape)
    saxpy = _saxpy()
    assert saxpy is not None  # `_saxpy_fuses` found it
    if a.size:
        saxpy(a.size, b, _address(a), 1, _address(result), 1)
    return result if out is None or out is result else _into(out, result)


def _fma_by_srotm(a: np.ndarray, b: np.float32, c: np.ndarray | np.float32,
                  out: np.ndarray | None = None) -> np.ndarray:
    """``a * b + c`` by srotm (see above)."""
    # x, which becomes the result: `out` itself when it is `c` (an optimizer's step).
    result = out if out is c and out.flags.c_contiguous else _contiguous_copy(c, a.shape)
    scratch = np.array(a, np.float32, order="C")  # y, which srotm may overwrite
    srotm = _srotm()
    assert srotm is not None  # `_srotm_fuses` found it
    if a.size:
        # The flag, then h11, h21, h12 and h22 (only h12 is read with flag 0).
        param = np.array([0.0, 0.0, 0.0, b, 0.0], np.float32)
        srotm(a.size, _address(result), 1, _address(scratch), 1, _address(param))
    return _into(out, result)


def _contiguous_copy(c: np.ndarray | np.float32, shape: tuple[int, ...]) -> np.ndarray:
    """A C-contiguous float32 array of `shape` holding `c` (an array of it, or a number)."""
    if type(c) is np.ndarray:
        return np.array(c, np.float32, order="C")
    return np.full(shape, c, np.float32)


def _address(array: np.ndarray) -> int:
    """Where a non-empty contiguous array's memory starts: through its buffer when writable,
    at a quarter of the cost of `array.ctypes`."""
    if array.flags.writeable:
        return ctypes.addressof(ctypes.c_char.from_buffer(array))
    return array.ctypes.data


def blas_fma_routine() -> str:
    """The routine that gives float32 arrays their exact FMA on this machine: "saxpy",
    "srotm", or "emulation" where neither fuses (as the benchmarks report it)."""
    return "saxpy" if _saxpy_fuses() else "srotm" if _srotm_fuses() else "emulation"


@functools.cache
def _saxpy_fuses() -> bool:
    """Whether NumPy ships a saxpy that gives `fma32_exact`'s bits, checked on the first call."""
    return _saxpy() is not None and _agrees_with_emulation(_fma_by_saxpy)


@functools.cache
def _srotm_fuses() -> bool:
    """Whether NumPy ships an srotm whose x' gives `fma32_exact`'s bits, checked on the first
    call."""
    return _srotm() is not None and _agrees_with_emulation(_fma_by_srotm)


def _agrees_with_emulation(fma: Callable[[np.ndarray, np.float32, np.ndarray], np.ndarray]
                           ) -> bool:
    """`fma(a, b, c)` against the emulation: lengths that take the kernels' vector and tail
    loops (and their threads), about 64 elements of each, of the kinds described above."""
    rng = np.random.default_rng(0)
    with np.errstate(all="ignore"):
        for size in (*range(2, 80), 1021, 4099, 100_003):
            for _ in range(max(1, 64 // size)):
                b = np.float32(rng.standard_normal() * 10.0 ** rng.integers(-4, 2))
                a = (rng.standard_normal(size) * 2.0 ** rng.integers(-10, 10, size)).astype(
                    np.float32)
                alike = a.astype(np.float64) * b * rng.uniform(0.3, 3.0, size)
                spread = rng.standard_normal(size) * 2.0 ** rng.integers(-30, 30, size)
                c = np.where(rng.random(size) < 0.5, alike, spread).astype(np.float32)
                a[:2], c[:2] = (0.0, -0.0), (-0.0, -0.0)  # zero results, of both signs
                if fma(a, b, c).tobytes() != fma32_exact(a, b, c).tobytes():
                    return False
    return True


def add_scaled(a: Any, b: Any, alpha: Any, out: np.ndarray | None = None) -> Any:
    """``a + alpha * b`` as PyTorch's CPU add kernel computes it; into `out` if given (an
    array of the result's shape and dtype, which may be `a` itself).

    For float32 arrays the kernel takes alpha as a float32 and fuses the multiply-add (one
    rounding): BLAS's FMA computes it where it fuses (see `_fma_by_blas`). Elsewhere,
    rounding ``a + alpha * b`` once in float64 gives the same bits for every `a` and `b` when
    `alpha` passes `_double_rounding_is_exact`, which is cheaper than the exact emulation,
    used for the other alphas.
    """
    if not (type(a) is np.ndarray and type(b) is np.ndarray and a.dtype == np.float32
            and b.dtype == np.float32 and cpu.kernel().fused_multiply_add):
        return _into(out, a + alpha * b)
    alpha = np.float32(alpha)
    if a.shape != b.shape:
        a, b = np.broadcast_arrays(a, b)
    result = _fma_by_blas(b, alpha, a, out)
    if result is not None:
        return result
    if not _double_rounding_is_exact(alpha):
        return _into(out, fused_multiply_add(b, alpha, a))
    wide = np.multiply(b, np.float64(alpha))
    wide += a
    return _into(out, wide.astype(np.float32))


def _into(out: np.ndarray | None, result: Any) -> Any:
    """`result`, or `out` holding it."""
    if out is None:
        return result
    np.copyto(out, result)
    return out


# ------------------------------------------------------------- alphas certified for float64
#
# For float32 p, g and alpha, alpha * g is exact in float64 (24 + 24 bits), so the float64
# path s' = fl64(p + alpha * g) rounds once, and fl32(s') differs from the FMA's fl32(s) only
# when s' is a float32 midpoint M (an odd multiple of 2**(E-24), M in [2**E, 2**(E+1)), or
# the overflow threshold) while s != M (rounding is monotone and midpoints are float64
# numbers, so s' cannot cross one). Then 0 < |s - M| <= 2**(E-53), half a float64 ulp.
# If p and y = alpha * g were both multiples of 2**(E-52), s - M would be one too: so one of
# them has a bit at or below 2**(E-53).
#   - p does: p has 24 bits, so |p| < 2**(E-29), and y lies within 2**(E-29) of M. In units
#     of y's odd significand Y = A * G (A, G the odd significands of alpha and g, so Y < 2**48
#     and odd): Y = c * 2**w + t with c odd of exactly 25 bits and |t| <= 2**(w-5).
#   - y does, p does not: y has at most 48 bits, so |y| < 2**(E-5) and p lies near M, so
#     p's lowest bit is at least 2**(E-24) and M - p is an odd multiple of 2**(E-24+i),
#     i >= 0; y = (M - p) + (s - M): Y = c * 2**w + t with c odd and 0 < |t| <= 2**(w-29).
# (A float32 subnormal midpoint M is an odd multiple of 2**-150 and every p a multiple of
# 2**-149: the second case again, with a smaller |t|.) So if no odd G < 2**24 puts A * G in
# either pattern, the float64 path equals the FMA for every p and g. Each pattern fixes
# A * G modulo 2**(w+1), hence G modulo 2**(w+1) (A is odd, so invertible): the check runs
# over the few allowed residues t, not over the 2**23 odd G.

_CERTIFIED_LIMIT = 64  # alphas remembered; a learning-rate schedule brings new ones
_certified: dict[float, bool] = {}
_FLOAT32_SIGNIFICAND = 1 << 24


def _double_rounding_is_exact(alpha: np.float32) -> bool:
    """Whether ``fl32(fl64(p + alpha * g))`` equals the float32 FMA for all float32 p, g."""
    key = float(alpha)
    known = _certified.get(key)
    if known is None:
        if len(_certified) >= _CERTIFIED_LIMIT:
            del _certified[next(iter(_certified))]
        known = _certified[key] = _certify(key)
    return known


def _certify(alpha: float) -> bool:
    """Decide `_double_rounding_is_exact` for `alpha` (see the proof above)."""
    return alpha == 0 or not math.isfinite(alpha) or _double_rounding_witness(alpha) is None


def _double_rounding_witness(alpha: float) -> tuple[int, int] | None:
    """An odd float32 significand G and the w of a pattern above that alpha * G falls into,
    or None when there is none (zero products are exact; infinities and NaNs propagate alike
    on both paths, so only finite nonzero alphas get here)."""
    significand = int(math.ldexp(math.frexp(abs(alpha))[0], 24))
    odd_alpha = significand >> ((significand & -significand).bit_length() - 1)
    inverse = np.uint64(pow(odd_alpha, -1, 1 << 64))
    # y much smaller than p: A * G within 2**(w-29) of an odd multiple of 2**w.
    for w in range(29, 48):
        factors = _odd_factors(inverse, w, 1 << (w - 29))
        found = factors[factors < _FLOAT32_SIGNIFICAND]
        if found.size:
            return int(found[0]), w
    # p much smaller than y: A * G of 25 + w bits, within 2**(w-5) of an odd multiple of 2**w.
    for w in (0, *range(5, 24)):
        lowest = -(-(1 << (w + 24)) // odd_alpha)
        highest = min(((1 << (w + 25)) - 1) // odd_alpha, _FLOAT32_SIGNIFICAND - 1)
        if lowest > highest:
            continue
        residues = _odd_factors(inverse, w, (1 << w) >> 5).astype(np.int64)
        first_at_least_lowest = lowest + (residues - lowest) % (1 << (w + 1))
        found = first_at_least_lowest[first_at_least_lowest <= highest]
        if found.size:
            return int(found[0]), w
    return None


def _odd_factors(inverse: np.uint64, w: int, tolerance: int) -> np.ndarray:
    """The odd G modulo 2**(w+1) for which A * G lies within `tolerance` of an odd multiple
    of 2**w (`inverse` is A's inverse modulo 2**64)."""
    offsets = np.arange(-tolerance, tolerance + 1, dtype=np.int64) + (1 << w)
    residues = offsets[offsets & 1 == 1].astype(np.uint64)
    return (residues * inverse) & np.uint64((1 << (w + 1)) - 1)
