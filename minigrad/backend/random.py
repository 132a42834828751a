"""PyTorch's CPU random streams (mt19937) reproduced bit for bit on NumPy."""

from __future__ import annotations

import math
import operator
import secrets
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from minigrad.backend import cpu, exact

__all__ = [
    "Generator",
    "GeneratorState",
    "default_generator",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "seed",
    "set_rng_state",
]

_DEFAULT_SEED = 67280421310721  # the seed of a fresh torch.Generator()
_SEED_LIMIT = 1 << 64
_MIN_SEED = -(1 << 63)  # torch accepts seeds in [-2**63, 2**64); negatives wrap
_WIDE_RANDINT_RANGE = 1 << 28  # from here on randint draws 64 bits per value
_RANDPERM_LIMIT = (2**32 - 1) // 20  # torch switches randperm algorithm at this n
_BOX_MULLER_BLOCK = 16  # normal_ transforms uniforms in blocks of 16 ...
_BOX_MULLER_HALF = 8  # ... pairing slot j with slot j + 8
_FLOAT32_UNIT = np.float32(2.0**-24)
_FLOAT64_UNIT = 2.0**-53
_LOW_53_OF_HIGH_WORD = (1 << 21) - 1  # a 53-bit mantissa takes 21 bits of the high draw
_TWO_PI_F32 = np.float32(math.tau)


def _avx2_fma(a: object, b: object, c: object) -> np.ndarray:
    """float32 FMA for the avx_mathfun steps, without `exact.fma32_exact`'s halfway check.

    Rounding through float64 never differs from one rounding on the inputs
    these steps see: checked over all 2**24 uniforms Box-Muller can draw, and
    re-checked on a sample by the tests.
    """
    wide = np.multiply(a, b, dtype=np.float64)
    wide += c
    return wide.astype(np.float32)


# ------------------------------------------------------------------ avx_mathfun log / sincos

_SQRT_HALF_BITS = int(np.float32(0.707106781186547524).view(np.int32))
_LOG_POLY = tuple(
    np.float32(c)
    for c in (
        7.0376836292e-2,
        -1.1514610310e-1,
        1.1676998740e-1,
        -1.2420140846e-1,
        1.4249322787e-1,
        -1.6668057665e-1,
        2.0000714765e-1,
        -2.4999993993e-1,
        3.3333331174e-1,
    )
)
_LN2_LOW = np.float32(-2.12194440e-4)  # ln 2 split as _LN2_HIGH + _LN2_LOW
_LN2_HIGH = np.float32(0.693359375)
_FOUR_OVER_PI = np.float32(1.27323954473516)
# pi / 4 split in three; the first two are short enough that multiple * piece is exact.
_PI4_A = np.float32(-0.78515625)
_PI4_B = np.float32(-2.4187564849853515625e-4)
_PI4_C = np.float32(-3.77489497744594108e-8)
_COS_POLY = tuple(
    np.float32(c) for c in (2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2)
)
_SIN_POLY = tuple(np.float32(c) for c in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1))


def _avx2_log(x: np.ndarray) -> np.ndarray:
    """float32 natural log, rounded step by step as PyTorch's AVX2 ``log256_ps``.

    The Cephes method: write x = m * 2**e with m in [sqrt(1/2), sqrt(2)),
    evaluate a degree-9 polynomial in t = m - 1 and add e * ln 2 in two parts.
    Valid for the positive normal floats that Box-Muller passes it (1 - u).
    """
    bits = x.view(np.int32)
    exponent_int = (bits - _SQRT_HALF_BITS) >> 23
    t = (bits - exponent_int * (1 << 23)).view(np.float32) - 1  # m - 1, exact
    exponent = exponent_int.astype(np.float32)
    t64 = t.astype(np.float64)
    poly = _avx2_fma(_LOG_POLY[0], t64, _LOG_POLY[1])
    for coefficient in _LOG_POLY[2:]:
        poly = _avx2_fma(poly, t64, coefficient)
    t_squared = t * t
    poly = _avx2_fma(poly * t, t_squared, exponent * _LN2_LOW)
    poly -= t_squared * np.float32(0.5)
    return (t + poly) + exponent * _LN2_HIGH  # exponent * _LN2_HIGH is exact


def _avx2_sincos(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float32 sine and cosine of theta >= 0, rounded as PyTorch's AVX2 ``sincos256_ps``.

    The Cephes method: reduce theta by a multiple of pi/4 (pi/4 split in three
    for precision), evaluate the sine and cosine polynomials on the remainder,
    then pick and sign them by octant.
    """
    octant = (theta * _FOUR_OVER_PI).astype(np.int32)
    octant += 1
    octant &= ~1
    multiple = octant.astype(np.float32)
    x = theta + multiple * _PI4_A
    x += multiple * _PI4_B
    x = _avx2_fma(multiple, _PI4_C, x)
    x_squared = x * x
    z64 = x_squared.astype(np.float64)

    cos_poly = _avx2_fma(_COS_POLY[0], z64, _COS_POLY[1])
    cos_poly = _avx2_fma(cos_poly, z64, _COS_POLY[2])
    cos_poly = _avx2_fma(z64, cos_poly * x_squared, x_squared * np.float32(-0.5))
    cos_poly += 1
    sin_poly = _avx2_fma(_SIN_POLY[0], z64, _SIN_POLY[1])
    sin_poly = _avx2_fma(sin_poly, z64, _SIN_POLY[2])
    sin_poly = _avx2_fma(sin_poly * x_squared, x, x)

    # Octants 2 and 6 swap the polynomials; 4 and 6 negate the sine, 2 and 4 the
    # cosine. Done on the bits, as the AVX2 code does, since np.where is slow.
    octant = octant.view(np.uint32)
    swap = np.negative((octant >> 1) & 1)  # all ones where the polynomials swap
    sin_bits, cos_bits = sin_poly.view(np.uint32), cos_poly.view(np.uint32)
    difference = (sin_bits ^ cos_bits) & swap
    sin_bits ^= difference
    sin_bits ^= (octant & 4) << 29
    cos_bits ^= difference
    cos_bits ^= ((octant + 2) & 4) << 29
    return sin_bits.view(np.float32), cos_bits.view(np.float32)


# ---------------------------------------------------------------------------- Box-Muller


def _box_muller_avx2(uniforms: np.ndarray, out: np.ndarray) -> None:
    """Standard normals from float32 uniforms into `out` (lengths a multiple of 16), AVX2 kernel.

    In each block of 16, slot j and slot j + 8 form one Box-Muller pair:
    radius = sqrt(-2 log(1 - u[j])), theta = 2 pi u[j + 8].
    """
    blocks = uniforms.reshape(-1, 2, _BOX_MULLER_HALF)
    normals = out.reshape(-1, 2, _BOX_MULLER_HALF)
    chunk_blocks = exact.CHUNK // _BOX_MULLER_HALF
    for start in range(0, len(blocks), chunk_blocks):
        chunk = blocks[start : start + chunk_blocks]
        radius = np.sqrt(_avx2_log(1 - chunk[:, 0]) * -2)
        sin, cos = _avx2_sincos(chunk[:, 1] * _TWO_PI_F32)
        np.multiply(radius, cos, out=normals[start : start + chunk_blocks, 0])
        np.multiply(radius, sin, out=normals[start : start + chunk_blocks, 1])


def _box_muller_libm32(uniforms: np.ndarray, out: np.ndarray) -> None:
    """Standard normals from float32 uniforms into `out` (lengths a multiple of 16), plain kernel.

    PyTorch calls libm's logf and sincosf here; they are emulated by rounding
    NumPy's float64 results, which agrees except for rare last-bit differences.
    """
    blocks = uniforms.reshape(-1, 2, _BOX_MULLER_HALF)
    normals = out.reshape(-1, 2, _BOX_MULLER_HALF)
    u1 = (1 - blocks[:, 0]).astype(np.float64)
    radius = np.sqrt(np.log(u1).astype(np.float32) * -2)
    theta = (math.tau * blocks[:, 1].astype(np.float64)).astype(np.float32).astype(np.float64)
    np.multiply(radius, np.cos(theta).astype(np.float32), out=normals[:, 0])
    np.multiply(radius, np.sin(theta).astype(np.float32), out=normals[:, 1])


def _box_muller64(uniforms: np.ndarray, out: np.ndarray) -> None:
    """Standard normals from float64 uniforms into `out` (lengths a multiple of 16).

    The log goes through Python's math.log, which is libm's log as PyTorch calls
    it; NumPy's vectorised float64 log differs from it in the last bit at times.
    """
    blocks = uniforms.reshape(-1, 2, _BOX_MULLER_HALF)
    normals = out.reshape(-1, 2, _BOX_MULLER_HALF)
    u1 = (1 - blocks[:, 0]).ravel()
    log_u1 = np.fromiter(map(math.log, u1.tolist()), dtype=np.float64, count=u1.size)
    radius = np.sqrt(-2 * log_u1).reshape(-1, _BOX_MULLER_HALF)
    theta = math.tau * blocks[:, 1]
    np.multiply(radius, np.cos(theta), out=normals[:, 0])
    np.multiply(radius, np.sin(theta), out=normals[:, 1])


# ------------------------------------------------------------------------------- seeds


def _normalize_seed(seed: int) -> int:
    """A seed as the unsigned 64-bit value PyTorch stores (negative seeds wrap)."""
    seed = operator.index(seed)
    if not _MIN_SEED <= seed < _SEED_LIMIT:
        raise ValueError(f"seed must be in [-2**63, 2**64), got {seed}")
    return seed % _SEED_LIMIT


class GeneratorState(NamedTuple):
    """A snapshot of a `Generator`, from `Generator.get_state`.

    Holds the seed, the 624 mt19937 state words (little-endian uint32 bytes),
    the position in them, and the cached second normal sample, if any.
    """

    seed: int
    key: bytes
    pos: int
    next_normal: float | None


class Generator:
    """A CPU random generator whose streams match ``torch.Generator`` bit for bit.

    PyTorch's CPU generator is an mt19937 seeded with the standard
    ``init_genrand``, the algorithm of NumPy's legacy ``RandomState(seed)``, so
    NumPy's ``MT19937`` yields the same raw 32-bit draws. The samplers turn them
    into tensors as PyTorch 2.13's CPU kernels do:

    * uniform: float32 keeps the low 24 bits of one draw, float64 the low 53
      bits of two (the first is the high half); then ``x * (high - low) + low``
      in the tensor's precision, and a value rounded up to ``high`` becomes ``low``.
    * normal: 16 or more elements are filled with uniforms, then Box-Muller
      transformed in blocks of 16 (a ragged end redraws 16 fresh uniforms for the
      last 16 slots); fewer than 16 use a serial float64 Box-Muller that caches
      its second sample in the generator.
    * randint: ``draw % (high - low) + low``, with 64-bit draws once the range
      reaches 2**28.
    * randperm: a Fisher-Yates shuffle using ``draw % (n - i)``.

    How the arithmetic rounds depends on the PyTorch kernel build the machine
    runs; see `_CpuKernel`.
    """

    def __init__(self, device: str = "cpu") -> None:
        if str(device) != "cpu":
            raise ValueError(f"minigrad only has CPU generators, not {device!r}")
        self.device = "cpu"
        self._bits = np.random.MT19937(0)  # its state is replaced by manual_seed below
        self._seed: int
        self._next_normal: float | None
        self.manual_seed(_DEFAULT_SEED)

    # --------------------------------------------------------------------- seeding, state

    def manual_seed(self, seed: int) -> Generator:
        """Seed the generator (as mt19937's init_genrand with the low 32 bits); returns it."""
        seed = _normalize_seed(seed)
        legacy = np.random.RandomState(seed & 0xFFFFFFFF).get_state(legacy=False)
        self._bits.state = {"bit_generator": "MT19937", "state": legacy["state"]}
        self._seed = seed
        self._next_normal = None
        return self

    def initial_seed(self) -> int:
        """The seed the generator was last seeded with."""
        return self._seed

    def seed(self) -> int:
        """Reseed from operating-system entropy, as PyTorch does, and return the new seed."""
        new_seed = secrets.randbits(64)
        self.manual_seed(new_seed)
        return new_seed

    def get_state(self) -> GeneratorState:
        """An immutable snapshot that `set_state` restores, cached normal sample included."""
        mt_state = self._bits.state["state"]
        key = np.asarray(mt_state["key"], dtype="<u4").tobytes()
        return GeneratorState(self._seed, key, int(mt_state["pos"]), self._next_normal)

    def set_state(self, state: GeneratorState) -> Generator:
        """Restore a snapshot from `get_state`; returns the generator."""
        if not isinstance(state, GeneratorState):
            raise TypeError(f"expected a GeneratorState, got {type(state).__name__}")
        key = np.frombuffer(state.key, dtype="<u4").astype(np.uint32)
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": state.pos}}
        self._seed = state.seed
        self._next_normal = state.next_normal
        return self

    # -------------------------------------------------------------------------- raw draws

    def _draw32(self, count: int) -> np.ndarray:
        """The next `count` raw 32-bit mt19937 outputs (held in uint64)."""
        return self._bits.random_raw(count)

    def _draw64(self, count: int) -> np.ndarray:
        """`count` 64-bit draws, each two 32-bit draws with the first as the high half."""
        pairs = self._draw32(2 * count).reshape(count, 2)
        return (pairs[:, 0] << 32) | pairs[:, 1]

    def _uniform32(self, count: int) -> np.ndarray:
        """`count` float32 uniforms in [0, 1): the low 24 bits of one draw each."""
        raw = self._draw32(count)
        raw &= 0xFFFFFF
        values = raw.astype(np.float32)
        values *= _FLOAT32_UNIT
        return values

    def _uniform64(self, count: int) -> np.ndarray:
        """`count` float64 uniforms in [0, 1): the low 53 bits of a 64-bit draw each."""
        pairs = self._draw32(2 * count).reshape(count, 2)
        high = (pairs[:, 0] & _LOW_53_OF_HIGH_WORD).astype(np.float64)
        values = high * 2.0**32 + pairs[:, 1]  # exact: below 2**53
        values *= _FLOAT64_UNIT
        return values

    # --------------------------------------------------------------------------- samplers

    def uniform(self, shape: tuple[int, ...], low: float, high: float, np_dtype) -> np.ndarray:
        """Samples of ``torch.empty(shape).uniform_(low, high)`` (also ``torch.rand``)."""
        dtype = np.dtype(np_dtype)
        count = math.prod(shape)
        if dtype == np.float32:
            low, high = np.float32(low), np.float32(high)
            x = self._uniform32(count)
        elif dtype == np.float64:
            low, high = np.float64(low), np.float64(high)
            x = self._uniform64(count)
        else:
            raise TypeError(f"uniform samples must be float32 or float64, not {dtype}")
        if not low <= high:
            raise ValueError(f"uniform expects low <= high, got low={low}, high={high}")
        values = exact.multiply_add(x, high - low, low, fused=cpu.kernel().fused_multiply_add)
        values[values == high] = low  # PyTorch maps a value rounded up to `high` back to `low`
        return values.reshape(shape)

    def normal(self, shape: tuple[int, ...], mean: float, std: float, np_dtype) -> np.ndarray:
        """Samples of ``torch.empty(shape).normal_(mean, std)`` (also ``torch.randn``).

        Assumes a contiguous tensor, as a freshly created one is.
        """
        dtype = np.dtype(np_dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"normal samples must be float32 or float64, not {dtype}")
        if not std >= 0:
            raise ValueError(f"normal expects std >= 0, got {std}")
        count = math.prod(shape)
        if count < _BOX_MULLER_BLOCK:
            values = self._serial_normal(count, float(mean), float(std)).astype(dtype)
        elif dtype == np.float32:
            values = self._normal_fill32(count, np.float32(mean), np.float32(std))
        else:
            values = self._normal_fill64(count, float(mean), float(std))
        return values.reshape(shape)

    def _serial_normal(self, count: int, mean: float, std: float) -> np.ndarray:
        """PyTorch's per-element float64 Box-Muller, used for fewer than 16 elements.

        Each fresh pair of 53-bit uniforms (u1, u2) gives r = sqrt(-2 log1p(-u2))
        and theta = 2 pi u1; r cos(theta) is returned and r sin(theta) is cached
        in the generator for the next call, until the generator is reseeded.
        """
        standard = np.empty(count)
        for i in range(count):
            if self._next_normal is not None:
                standard[i] = self._next_normal
                self._next_normal = None
                continue
            u1, u2 = self._uniform64(2).tolist()
            radius = math.sqrt(-2.0 * math.log1p(-u2))
            theta = math.tau * u1
            self._next_normal = radius * math.sin(theta)
            standard[i] = radius * math.cos(theta)
        return exact.multiply_add(standard, std, mean, fused=cpu.kernel().fused_multiply_add)

    def _normal_fill32(self, count: int, mean: np.float32, std: np.float32) -> np.ndarray:
        """PyTorch's blocked float32 normal fill for 16 or more elements."""
        box_muller = _box_muller_avx2 if cpu.kernel().avx2_normal else _box_muller_libm32
        return self._normal_fill(count, mean, std, self._uniform32, box_muller)

    def _normal_fill64(self, count: int, mean: float, std: float) -> np.ndarray:
        """PyTorch's blocked float64 normal fill for 16 or more elements."""
        return self._normal_fill(count, mean, std, self._uniform64, _box_muller64)

    def _normal_fill(
        self,
        count: int,
        mean: float,
        std: float,
        uniform: Callable[[int], np.ndarray],
        box_muller: Callable[[np.ndarray, np.ndarray], None],
    ) -> np.ndarray:
        """PyTorch's normal fill: uniforms, Box-Muller in blocks of 16, then scale.

        If the blocks don't fit `count` exactly, the last 16 slots are redone
        from 16 fresh uniforms.
        """
        ragged = count % _BOX_MULLER_BLOCK != 0
        uniforms = uniform(count + _BOX_MULLER_BLOCK * ragged)
        normals = np.empty_like(uniforms[:count])
        whole = count - count % _BOX_MULLER_BLOCK
        box_muller(uniforms[:whole], normals[:whole])
        if ragged:
            box_muller(uniforms[count:], normals[-_BOX_MULLER_BLOCK:])
        return exact.multiply_add(normals, std, mean, fused=True)  # an explicit fma in every build

    def randint(self, low: int, high: int, shape: tuple[int, ...], np_dtype) -> np.ndarray:
        """Samples of ``torch.randint(low, high, shape)``: ``draw % (high - low) + low``."""
        span = operator.index(high) - operator.index(low)
        if not 0 < span < _SEED_LIMIT:
            raise ValueError(f"randint expects low < high, got low={low}, high={high}")
        count = math.prod(shape)
        draws = self._draw64(count) if span >= _WIDE_RANDINT_RANGE else self._draw32(count)
        draws %= np.uint64(span)
        draws += np.uint64(low % _SEED_LIMIT)  # wraps modulo 2**64, as the C++ does
        return draws.view(np.int64).astype(np_dtype).reshape(shape)

    def randperm(self, n: int, np_dtype) -> np.ndarray:
        """Samples of ``torch.randperm(n)``: swap slot i with slot i + draw % (n - i)."""
        n = operator.index(n)
        if n < 0:
            raise ValueError(f"randperm expects n >= 0, got {n}")
        if n >= _RANDPERM_LIMIT:
            raise NotImplementedError(f"randperm is only reproduced for n < {_RANDPERM_LIMIT}")
        permutation = list(range(n))
        if n > 1:
            offsets = self._draw32(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)
            targets = (offsets + np.arange(n - 1, dtype=np.uint64)).tolist()
            for i, j in enumerate(targets):
                permutation[i], permutation[j] = permutation[j], permutation[i]
        return np.array(permutation, dtype=np_dtype)


default_generator = Generator()
default_generator.seed()  # PyTorch seeds its default CPU generator from entropy at start-up


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, as ``torch.manual_seed``; returns it."""
    return default_generator.manual_seed(int(seed))


def seed() -> int:
    """Reseed the default generator from entropy and return the new seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state() -> GeneratorState:
    """A snapshot of the default generator, for `set_rng_state`."""
    return default_generator.get_state()


def set_rng_state(state: GeneratorState) -> None:
    """Restore the default generator from a `get_rng_state` snapshot."""
    default_generator.set_state(state)
