"""minigrad's exact float32 arithmetic against PyTorch's CPU add kernel and the exact FMA."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

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
