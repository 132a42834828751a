"""minigrad's exact float32 arithmetic against PyTorch's CPU add kernel and the exact FMA."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

import minigrad
from minigrad.backend import cpu, exact

pytestmark = pytest.mark.skipif(not cpu.kernel().fused_multiply_add,
                                reason="PyTorch's plain kernel rounds twice")

# Vector bodies (8 floats under AVX2, 16 under AVX-512), tails, and sizes past a chunk.
SIZES = [1, 7, 8, 15, 16, 17, 31, 33, 1000, 1003, 70_001]
UNCERTIFIED = -1e-3


def random_float32(rng: np.random.Generator, size: int) -> np.ndarray:
    """Values over many binades, signs and a few exact zeros: all rounding cases meet."""
    values = rng.standard_normal(size) * np.exp2(rng.integers(-30, 30, size))
    values[rng.random(size) < 0.01] = 0
    return values.astype(np.float32)


@pytest.mark.parametrize("alpha", [0.1, -0.01, -1e-3, 0.37, 2.0, -0.5, 1e-7])
@pytest.mark.parametrize("size", SIZES)
def test_add_with_alpha_is_bit_identical_to_pytorch(size: int, alpha: float) -> None:
    rng = np.random.default_rng(size)
    a, b = random_float32(rng, size), random_float32(rng, size)
    theirs = torch.add(torch.from_numpy(a), torch.from_numpy(b), alpha=alpha).numpy()
    np.testing.assert_array_equal(exact.add_scaled(a, b, alpha).view(np.int32),
                                  theirs.view(np.int32))


@pytest.mark.parametrize("lr", [0.1, 0.01, 1e-3, UNCERTIFIED])
def test_sgd_update_is_bit_identical_to_pytorch(lr: float) -> None:
    """`param.add_(grad, alpha=-lr)` on the sizes of TinyModel's parameters."""
    rng = np.random.default_rng(7)
    for size in (100_000, 100, 1000, 10):
        param, grad = random_float32(rng, size), random_float32(rng, size)
        theirs = torch.from_numpy(param.copy()).add_(torch.from_numpy(grad), alpha=-lr)
        np.testing.assert_array_equal(exact.add_scaled(param, grad, -lr).view(np.int32),
                                      theirs.numpy().view(np.int32))


def test_common_learning_rates_are_certified_or_not_as_proved() -> None:
    assert exact._certify(float(np.float32(-0.1)))
    assert not exact._certify(float(np.float32(UNCERTIFIED)))
    assert exact._certify(0.0) and exact._certify(math.inf) and exact._certify(-0.25)


@pytest.mark.parametrize("seed", range(6))
def test_certified_alphas_round_like_the_exact_fma(seed: int) -> None:
    """For a certified alpha the float64 path equals the exact FMA on many random values."""
    rng = np.random.default_rng(seed)
    alphas = [np.float32(a) for a in (0.1, -0.1, 0.05, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 0.5, 3.0)]
    certified = [a for a in alphas if exact._certify(float(a))]
    assert len(certified) >= 4
    for alpha in certified:
        p, g = random_float32(rng, 50_000), random_float32(rng, 50_000)
        # Also values near float32 midpoints: p and alpha * g of close and of far magnitudes.
        g[:5000] = (p[:5000] / alpha).astype(np.float32)
        p[5000:10000] *= np.float32(2.0**-30)
        wide = np.multiply(g, np.float64(alpha))
        wide += p
        np.testing.assert_array_equal(wide.astype(np.float32).view(np.int32),
                                      exact.fma32_exact(g, alpha, p).view(np.int32))


def double_rounding_failure(alpha: np.float32) -> tuple[np.float32, np.float32] | None:
    """A float32 pair (p, g) on which the float64 path misses the FMA, built from the
    certification's witness, or None when the witness gives none."""
    witness = exact._double_rounding_witness(float(alpha))
    assert witness is not None
    odd_g, w = witness
    g = np.float32(odd_g)
    y = float(alpha) * float(g)  # exact: 48 bits at most
    mantissa, top = math.frexp(abs(y))
    significand = int(math.ldexp(mantissa, 53))
    lowest_bit = top - 53 + (significand & -significand).bit_length() - 1
    exponent = top - 1
    if w >= 29:  # y small beside p, which lies next to the midpoint 2**(w + lowest_bit) apart
        big = math.ldexp(1.5, w + lowest_bit + 24)
        candidates = [big, big + math.ldexp(big, -24)]
    else:  # p tiny beside y, which lies within 2**(E-29) of a float32 midpoint
        unit = math.ldexp(1.0, exponent - 24)
        midpoint = round(y / unit) * unit
        candidates = [midpoint - y + s * math.ldexp(1.0, exponent - 53) for s in (1, -1)]
    for p_value in candidates:
        p = np.float32(p_value)
        if float(p) != p_value:
            continue
        wide = np.float32(float(p) + y)
        if wide != exact.fma32_exact(np.array([g]), alpha, np.array([p]))[0]:
            return p, g
    return None


@pytest.mark.parametrize("alpha", [-1e-3, -0.01, 0.37, -3e-4])
def test_uncertified_alphas_really_can_round_twice(alpha: float) -> None:
    """The certification is not merely cautious: an uncertified alpha has a failing pair."""
    alpha32 = np.float32(alpha)
    assert not exact._certify(float(alpha32))
    failure = double_rounding_failure(alpha32)
    assert failure is not None
    p, g = failure
    theirs = torch.tensor([p]).add_(torch.tensor([g]), alpha=float(alpha32))
    assert exact.add_scaled(np.array([p]), np.array([g]), alpha32)[0] == theirs.numpy()[0]


@pytest.mark.parametrize("alpha", [0.1, UNCERTIFIED])
@pytest.mark.parametrize("shapes", [((2, 3), (3,)), ((1,), (4,)), ((5, 1), (1, 6)), ((), (3,))])
def test_add_with_alpha_broadcasts_like_pytorch(shapes: tuple, alpha: float) -> None:
    rng = np.random.default_rng(3)
    a, b = (random_float32(rng, math.prod(s)).reshape(s) for s in shapes)
    theirs = torch.add(torch.from_numpy(a), torch.from_numpy(b), alpha=alpha).numpy()
    np.testing.assert_array_equal(exact.add_scaled(a, b, alpha), theirs)


# ------------------------------------------------------------------ fma32_exact on every input

FLOAT32_MAX = float(np.finfo(np.float32).max)
SPECIAL_VALUES = np.array(
    [0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.5, 2.0**-149, -(2.0**-149), 3 * 2.0**-149,
     2.0**-126, -(2.0**-126) + 2.0**-149, 1e-39, -2.5e-40, -FLOAT32_MAX, FLOAT32_MAX, 1e30, -7e-20,
     0.1, 3.0], dtype=np.float32)


def pytorch_fma(a: object, b: object, c: object) -> np.ndarray:
    """fmaf(a, b, c) elementwise as PyTorch's fused add kernel computes it (one call per
    distinct b: the kernel takes its alpha as a number), broadcast like NumPy."""
    a, b, c = np.broadcast_arrays(*(np.asarray(v, dtype=np.float32) for v in (a, b, c)))
    out = np.empty(a.shape, np.float32)
    for alpha_bits in np.unique(b.view(np.int32)):
        where = b.view(np.int32) == alpha_bits
        alpha = float(np.int32(alpha_bits).view(np.float32))
        out[where] = torch.add(torch.from_numpy(c[where]), torch.from_numpy(a[where]),
                               alpha=alpha).numpy()
    return out


def assert_same_floats(ours: object, theirs: np.ndarray) -> None:
    """Bit for bit, except that a NaN need only be a NaN (sign and payload are unspecified)."""
    ours = np.asarray(ours)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    nan = np.isnan(theirs)
    np.testing.assert_array_equal(np.isnan(ours), nan)
    np.testing.assert_array_equal(ours[~nan].view(np.int32), theirs[~nan].view(np.int32))


def double_rounded(a: np.ndarray, b: object, c: np.ndarray) -> np.ndarray:
    """a * b + c rounded to float64 and then to float32: what an unchecked emulation gives."""
    with np.errstate(over="ignore", invalid="ignore"):
        return (np.multiply(a, b, dtype=np.float64) + c).astype(np.float32)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("alpha", [-1e-3, 0.37, 2.0**-100, 1e30, -3e-39, 1.0, 2.0**-149])
def test_fma_on_special_values_is_bit_identical_to_pytorch(alpha: float) -> None:
    """Every pair of zeros of both signs, infinities, NaN, subnormals, the extremes of the
    normal range, and products that overflow or land in the subnormal range."""
    a, c = (v.ravel() for v in np.meshgrid(SPECIAL_VALUES, SPECIAL_VALUES))
    alpha32 = np.float32(alpha)
    assert_same_floats(exact.fma32_exact(a, alpha32, c), pytorch_fma(a, alpha32, c))
    assert_same_floats(exact.add_scaled(c, a, alpha32), pytorch_fma(a, alpha32, c))


def subnormal_halfway_cases() -> tuple[np.ndarray, np.float32, np.ndarray]:
    """a, b, c whose sum a * b + c lies within 2**-190 of a halfway point between float32
    subnormals (or between the largest subnormal and the smallest normal), so that float64
    rounds it onto that point: a * b = ±(2**-150 - 2**-190), c = ±k * 2**-149."""
    b = np.float32(math.ldexp(2**20 + 1, -95))
    ks = np.array([0, 1, 2, 3, 1000, 2**22 + 1, 2**23 - 2, 2**23 - 1, 2**23, 2**23 + 1])
    a_part = np.float32(math.ldexp(2**20 - 1, -95))
    a, c = (v.ravel() for v in np.meshgrid([a_part, -a_part], np.concatenate([ks, -ks])))
    return a.astype(np.float32), b, np.ldexp(c, -149).astype(np.float32)


def test_fma_rounds_once_at_subnormal_halfway_points() -> None:
    """The float64 sum lands on a halfway point of the subnormal spacing, which has no fixed
    bit pattern; the plain double rounding gets several of these wrong."""
    a, b, c = subnormal_halfway_cases()
    assert float(a[0]) * float(b) == math.ldexp(2.0**40 - 1, -190)
    theirs = pytorch_fma(a, b, c)
    assert np.count_nonzero(double_rounded(a, b, c) != theirs) >= 8
    assert_same_floats(exact.fma32_exact(a, b, c), theirs)
    assert_same_floats(exact.add_scaled(c, a, b), theirs)
    # Among many plain values, so that they are picked out rather than all redone.
    rng = np.random.default_rng(2)
    a, c = (np.concatenate([v, random_float32(rng, 5000)]) for v in (a, c))
    assert_same_floats(exact.fma32_exact(a, b, c), pytorch_fma(a, b, c))


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_fma_rounds_once_at_the_overflow_threshold() -> None:
    """FLT_MAX + y with y just below, at and just above half an ulp of FLT_MAX (2**103): the
    float64 sum of the first is the halfway point to 2**128, which rounds to infinity."""
    a = np.float32([math.ldexp(2**11 - 1, 59), 2.0**70, math.ldexp(2**11 + 1, 59)])
    b = np.float32([math.ldexp(2**22 + 2**11 + 1, 11), 2.0**33, math.ldexp(2**22 - 2**11 + 1, 11)])
    assert [float(x) * float(y) for x, y in zip(a, b)] == [2.0**103 - 2.0**70, 2.0**103,
                                                            2.0**103 + 2.0**70]
    a, b = np.concatenate([a, -a]), np.concatenate([b, b])
    c = np.float32([FLOAT32_MAX] * 3 + [-FLOAT32_MAX] * 3)
    ours, theirs = exact.fma32_exact(a, b, c), pytorch_fma(a, b, c)
    assert_same_floats(ours, theirs)
    assert np.isfinite(ours).tolist() == [True, False, False] * 2
    assert np.isinf(double_rounded(a, b, c)).all()


def normal_halfway_failures() -> tuple[np.ndarray, np.float32, np.ndarray]:
    """Pairs (g, p) on which the float64 sum p + alpha * g rounds onto a float32 halfway
    point (the certification's witness for an uncertified alpha), scaled by powers of two
    across the normal range and mirrored in sign."""
    alpha = np.float32(UNCERTIFIED)
    failure = double_rounding_failure(alpha)
    assert failure is not None
    p, g = failure
    scales = np.ldexp(1.0, np.arange(-60, 61, 3))
    g_all = np.concatenate([g * scales, -g * scales]).astype(np.float32)
    p_all = np.concatenate([p * scales, -p * scales]).astype(np.float32)
    return g_all, alpha, p_all


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("share", [0.002, 0.5])
def test_fma_redoes_halfway_points_among_other_values(share: float) -> None:
    """Double-rounding failures, infinities and NaN among random values: few (redone one
    by one) or many (redone with whole-array passes, of which only they are kept)."""
    rng = np.random.default_rng(11)
    g_bad, alpha, p_bad = normal_halfway_failures()
    size = 20_000
    g, p = random_float32(rng, size), random_float32(rng, size)
    count = int(share * size)
    spots = rng.choice(size, count + 4, replace=False)
    picked = rng.integers(0, g_bad.size, count)
    g[spots[:count]], p[spots[:count]] = g_bad[picked], p_bad[picked]
    g[spots[count:]] = [math.inf, -math.inf, math.nan, 1.0]
    p[spots[count:]] = [1.0, math.inf, 0.0, math.nan]
    theirs = pytorch_fma(g, alpha, p)
    assert np.count_nonzero(double_rounded(g, alpha, p) != theirs) >= min(count, 10)
    assert_same_floats(exact.fma32_exact(g, alpha, p), theirs)
    assert_same_floats(exact.add_scaled(p, g, alpha), theirs)
    # With b an array, and the subnormal cases, with their own b, among them.
    sub_a, sub_b, sub_c = subnormal_halfway_cases()
    a = np.concatenate([g, sub_a])
    b = np.concatenate([np.full(size, alpha), np.full(sub_a.size, sub_b)])
    c = np.concatenate([p, sub_c])
    assert_same_floats(exact.fma32_exact(a, b, c), pytorch_fma(a, b, c))


@pytest.mark.parametrize("share", [0.01, 0.3, 1.0])
def test_fma_ties_to_even_at_exact_halfway_points(share: float) -> None:
    """Sums that are float32 halfway points exactly (an odd number of halves added to an
    integer between 2**23 and 2**24): flagged, and left rounded to even."""
    rng = np.random.default_rng(5)
    size = 5000
    a = (2 * rng.integers(-(2**18), 2**18, size) + 1).astype(np.float32)
    c = (rng.integers(2**23 + 2**19, 2**24 - 2**19, size) * rng.choice([-1, 1], size))
    c = c.astype(np.float32)
    plain = rng.random(size) >= share
    a[plain] = random_float32(rng, int(plain.sum()))
    b = np.float32(0.5)
    halfway = np.abs(np.multiply(a, b, dtype=np.float64) + c) % 1 == 0.5
    assert np.count_nonzero(halfway) >= size - np.count_nonzero(plain) > 0
    assert_same_floats(exact.fma32_exact(a, b, c), pytorch_fma(a, b, c))


@pytest.mark.parametrize("shapes", [((3, 1), (1, 4), (4,)), ((5,), (), ()), ((3,), (2, 1), ()),
                                    ((2, 3), (3,), (2, 1)), ((), (), ()), ((0,), (), (0,)),
                                    ((2, 0), (1, 0), ())])
def test_fma_broadcasts_like_numpy(shapes: tuple) -> None:
    rng = np.random.default_rng(9)
    a, b, c = (random_float32(rng, math.prod(s)).reshape(s) for s in shapes)
    b[...] = np.where(np.arange(b.size).reshape(b.shape) % 2, UNCERTIFIED, 0.37)
    ours = exact.fma32_exact(a, b, c)
    assert_same_floats(ours, pytorch_fma(a, b, c))
    # Like NumPy's arithmetic: a NumPy scalar for 0-d operands, else an array.
    assert type(ours) is (np.float32 if ours.ndim == 0 else np.ndarray)


@pytest.mark.parametrize("case", ["normal", "subnormal"])
def test_fma_of_0d_operands_rounds_once(case: str) -> None:
    """Double-rounding failures one at a time, as 0-d arrays (a scalar parameter's update)."""
    a, b, c = normal_halfway_failures() if case == "normal" else subnormal_halfway_cases()
    theirs = pytorch_fma(a, b, c)
    wrong = np.flatnonzero(double_rounded(a, b, c) != theirs)
    assert wrong.size
    for i in wrong[:3]:
        ours = exact.fma32_exact(np.array(a[i]), b, np.array(c[i]))
        assert type(ours) is np.float32
        assert ours.view(np.int32) == theirs[i].view(np.int32)


def _alike_and_spread(rng: np.random.Generator, size: int, b: float) -> tuple[np.ndarray, ...]:
    """Steps `a` and offsets `c` for a * b + c: half of the offsets as large as the products
    (a second rounding shows in about a fifth of them), half over many binades."""
    a = (rng.standard_normal(size) * np.exp2(rng.integers(-10, 10, size))).astype(np.float32)
    alike = a.astype(np.float64) * b * rng.uniform(0.3, 3.0, size)
    c = np.where(rng.random(size) < 0.5, alike, random_float32(rng, size)).astype(np.float32)
    return a, c


# Each way to the exact FMA, made the first choice in turn: BLAS's saxpy, its srotm, the
# float64 emulation.
KERNELS = {"saxpy": (True, True), "srotm": (False, True), "emulation": (False, False)}


@pytest.fixture(params=list(KERNELS))
def fma_kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    saxpy, srotm = KERNELS[request.param]
    if saxpy and not exact._saxpy_fuses():
        pytest.skip("no saxpy that fuses beside this NumPy")
    if srotm and not exact._srotm_fuses():
        pytest.skip("no srotm that fuses beside this NumPy")
    monkeypatch.setattr(exact, "_saxpy_fuses", lambda: saxpy)
    monkeypatch.setattr(exact, "_srotm_fuses", lambda: srotm)
    return request.param


@pytest.mark.parametrize("size", [*range(1, 40), 64, 1000, 1003, 70_001])
@pytest.mark.parametrize("b", [-1e-3, 0.37])
def test_fused_multiply_add_is_bit_identical_to_pytorch_at_every_length(
        size: int, b: float, fma_kernel: str) -> None:
    rng = np.random.default_rng(size)
    a, c = _alike_and_spread(rng, size, b)
    c[:3] = [-0.0, 0.0, -0.0][:size]  # signed zeros: a -0.0 result keeps its sign
    a[:3] = [0.0, 1e-45, -0.0][:size]
    theirs = torch.add(torch.from_numpy(c), torch.from_numpy(a), alpha=np.float32(b)).numpy()
    assert exact.fused_multiply_add(a, np.float32(b), c).tobytes() == theirs.tobytes()
    in_place = c.copy()
    assert exact.add_scaled(in_place, a, b, out=in_place) is in_place
    assert in_place.tobytes() == theirs.tobytes()


def test_the_routine_reported_is_the_first_that_fuses(fma_kernel: str) -> None:
    assert exact.blas_fma_routine() == fma_kernel


def test_an_alpha_of_zero_still_multiplies(fma_kernel: str) -> None:
    """0 * inf is NaN in PyTorch's kernel (OpenBLAS's saxpy would skip the update)."""
    c = np.array([1.0, 2.0, -0.0], np.float32)
    a = np.array([np.inf, 1.0, 0.0], np.float32)
    theirs = torch.add(torch.from_numpy(c), torch.from_numpy(a), alpha=0.0).numpy()
    assert exact.add_scaled(c, a, 0.0).tobytes() == theirs.tobytes()


def test_an_overlapping_in_place_update_reads_the_old_values(fma_kernel: str) -> None:
    memory = np.arange(8, dtype=np.float32)
    target, values = memory[:6], memory[2:]
    expected = exact.fma32_exact(values.copy(), np.float32(0.5), target.copy())
    exact.add_scaled(target, values, 0.5, out=target)
    assert target.tobytes() == expected.tobytes()


def test_the_check_refuses_a_kernel_that_rounds_twice() -> None:
    assert exact._agrees_with_emulation(exact.fma32_exact)
    assert not exact._agrees_with_emulation(lambda a, b, c: c + a * b)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("start, end", [(0.0, 2.0 * math.pi), (-3.3, 7.1), (1e-3, -5.0),
                                        (-1.0, 1.0), (1e30, 1e-30), (0.0, -5.0), (-0.0, 3.0),
                                        (-0.0, -3.0), (0.0, 0.0), (0.0, -0.0),
                                        (0.0, -2e-45), (1e-40, 3e-39), (-3e38, 3e38)])
@pytest.mark.parametrize("steps", [2, 3, 7, 24, 25, 26, 33, 1000, 1001])
def test_linspace_is_bit_identical_to_pytorch(dtype: str, start: float, end: float,
                                              steps: int) -> None:
    assert_linspace_as_pytorchs(start, end, steps, dtype)  # (or: a bound beyond float16)


def assert_linspace_as_pytorchs(start: float, end: float, steps: int, dtype: str) -> None:
    """minigrad's linspace gives PyTorch's values, dtype and bits, or raises its error."""
    try:
        theirs = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy()
    except RuntimeError as error:
        with pytest.raises(RuntimeError, match=re.escape(str(error))):
            minigrad.linspace(start, end, steps, dtype=getattr(minigrad, dtype))
        return
    ours = minigrad.linspace(start, end, steps, dtype=getattr(minigrad, dtype)).numpy()
    assert ours.dtype == theirs.dtype and ours.tobytes() == theirs.tobytes()


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8"])
@pytest.mark.parametrize("start, end", [(0, 10), (-7, 127), (0.5, 3.7), (2.5, -7.9), (-1, 3),
                                        (250, 0), (-128, -0.5)])
@pytest.mark.parametrize("steps", [1, 2, 3, 5, 25])
def test_an_integer_linspace_converts_its_bounds_first_as_pytorch(dtype: str, start: float,
                                                                   end: float, steps: int
                                                                   ) -> None:
    """Bounds truncated (and a negative integer wrapped into an unsigned type) before the
    range is stepped in double, or PyTorch's error for one beyond the type."""
    assert_linspace_as_pytorchs(start, end, steps, dtype)


@pytest.mark.parametrize("size", [1, 2, 33, 70_001])
def test_an_unrecorded_add_with_alpha_writes_into_the_tensor_as_pytorch(size: int) -> None:
    rng = np.random.default_rng(size)
    a, c = _alike_and_spread(rng, size, -1e-3)
    results = []
    for lib in (minigrad, torch):
        param = lib.tensor(c.copy(), requires_grad=True)
        view = param.detach()[size // 2:]  # shares the memory and the version counter
        version = param._version
        with lib.no_grad():
            returned = param.add_(lib.tensor(a), alpha=-1e-3)
        assert returned is param
        assert param._version == version + 1
        results.append((param.detach().numpy().tobytes(), view.numpy().tobytes()))
    assert results[0] == results[1]


def test_an_in_place_update_leaves_the_step_as_it_was(fma_kernel: str) -> None:
    """An optimizer's `p.add_(grad, alpha=-lr)` writes `p` only: `grad` keeps every bit, signed
    zeros too, beside parameters that are inf or NaN."""
    target = np.array([np.inf, np.nan, -np.inf, 1.0, -2.0, 3.0] * 10, np.float32)
    step = np.array([-0.0, 0.0, 1.0, -0.0, 0.0, 2.5] * 10, np.float32)
    before = step.tobytes()
    expected = exact.fma32_exact(step, np.float32(-0.1), target.copy())
    exact.add_scaled(target, step, -0.1, out=target)
    assert step.tobytes() == before
    assert target.tobytes() == expected.tobytes()
