"""Tests that minigrad prints tensor values exactly as PyTorch 2.13 does, compared against torch."""

from __future__ import annotations

import ast
import math
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from minigrad import backend
from minigrad._printing import format_tensor, get_printoptions, printoptions, set_printoptions

PRINTING_SOURCE = Path(__file__).resolve().parents[1] / "minigrad" / "_printing.py"


def minigrad_repr(
    tensor: torch.Tensor, *, device: str | None = None, prefix: str = "tensor("
) -> str:
    """What minigrad prints for a tensor with the values, dtype and autograd state of `tensor`."""
    grad_fn = tensor.grad_fn
    return format_tensor(
        tensor.detach().numpy(),
        dtype=getattr(backend, str(tensor.dtype).removeprefix("torch.")),
        is_default_dtype=tensor.dtype == torch.get_default_dtype(),
        grad_fn_name=None if grad_fn is None else type(grad_fn).__name__,
        requires_grad=tensor.requires_grad,
        device=device,
        prefix=prefix,
    )


def assert_prints_like_torch(tensor: torch.Tensor) -> None:
    """Both repr and str of `tensor` (they are the same in PyTorch) match minigrad's output."""
    expected = repr(tensor)
    assert str(tensor) == expected
    assert minigrad_repr(tensor) == expected


@pytest.fixture(autouse=True)
def default_printoptions() -> Iterator[None]:
    """Every test starts and ends with both libraries on their default print options."""
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")
    yield
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")


def set_both_printoptions(**options: Any) -> None:
    """Apply the same print options to PyTorch and minigrad."""
    torch.set_printoptions(**options)
    set_printoptions(**options)


# --- The autograd tutorial ------------------------------------------------------------------


def test_tutorial_sine_pipeline() -> None:
    a = torch.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
    b = torch.sin(a)
    c = 2 * b
    d = c + 1
    out = d.sum()
    for tensor in (a, b, c, d, out):
        assert_prints_like_torch(tensor)
    assert minigrad_repr(out) == "tensor(25., grad_fn=<SumBackward0>)"
    out.backward()
    assert_prints_like_torch(a.grad)


def test_tutorial_ones_requiring_grad() -> None:
    x = torch.ones(2, 3, requires_grad=True)
    expected = "tensor([[1., 1., 1.],\n        [1., 1., 1.]], requires_grad=True)"
    assert minigrad_repr(x) == repr(x) == expected


def test_tutorial_square_and_mean() -> None:
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    for tensor in (x, y, z, out):
        assert_prints_like_torch(tensor)
    out.backward()
    assert_prints_like_torch(x.grad)


def test_tutorial_vector_jacobian_product() -> None:
    # Chosen so the doubling loop stops at exactly the tutorial's printed values.
    x = (torch.tensor([-1813.5204, 716.8929, -126.9053]) / 4096).requires_grad_()
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    assert minigrad_repr(y) == repr(y)
    assert repr(y) == "tensor([-1813.5204,   716.8929,  -126.9053], grad_fn=<MulBackward0>)"
    y.backward(torch.tensor([0.1, 1.0, 0.0001]))
    assert minigrad_repr(x.grad) == repr(x.grad) == "tensor([4.0960e+02, 4.0960e+03, 4.0960e-01])"


# --- Hand-picked edge cases -----------------------------------------------------------------

nan, inf = math.nan, math.inf

EDGE_CASES = {
    # Where scientific notation starts: max/min ratio, largest and smallest magnitudes.
    "ratio exactly 1000": torch.tensor([1.0, 1000.0]),
    "ratio just over 1000": torch.tensor([1.0, 1000.5]),
    "ratio over 1000, fractional": torch.tensor([0.5, 600.25]),
    "max exactly 1e8": torch.tensor([1e8, 5e7], dtype=torch.float64),
    "max just over 1e8": torch.tensor([100000008.0, 5e7]),
    "min 1e-4 in float32 rounds below 1e-4": torch.tensor([1e-4, 2e-4]),
    "min exactly 1e-4 in float64": torch.tensor([1e-4, 2e-4], dtype=torch.float64),
    "min just under 1e-4": torch.tensor([9.9e-5, 1e-4], dtype=torch.float64),
    "huge whole numbers": torch.tensor([1e10, 3e10]),
    "tiny and huge": torch.tensor([1e-6, 1e9, -5.0]),
    "subnormal": torch.tensor([1e-45, 1.0]),
    "float32 max": torch.tensor([3.4028235e38, -1.0]),
    "rounding at the 4th decimal": torch.tensor([0.00005, 0.00015, 1.00005, 2.5]),
    "half-way rounding": torch.tensor([0.125, 0.375, 1.0625], dtype=torch.float64),
    "one decimal place only": torch.tensor([0.1, 0.2, 0.3]),
    # Zeros, negative zero, nan and inf.
    "negative zero": torch.tensor([-0.0]),
    "negative zero 0-dim": torch.tensor(-0.0),
    "negative zero with fraction": torch.tensor([-0.0, 1.5]),
    "negative zero in sci mode": torch.tensor([-0.0, 1e-5]),
    "all zeros": torch.zeros(4),
    "zeros 2-D": torch.zeros(2, 3),
    "nan alone": torch.tensor([nan]),
    "inf and -inf": torch.tensor([inf, -inf]),
    "nan with whole number": torch.tensor([nan, 1.0]),
    "nan with fraction": torch.tensor([nan, 1.5, -2.25]),
    "inf with tiny": torch.tensor([inf, 1e-5, -inf]),
    "nan with zero": torch.tensor([nan, 0.0, -0.0]),
    "nan inf mix 2-D": torch.tensor([[nan, 1e6], [-inf, 2.0]]),
    "nan 0-dim": torch.tensor(nan),
    "-inf 0-dim": torch.tensor(-inf),
    # Integer and bool dtypes.
    "int64": torch.tensor([1, -20, 300]),
    "int64 extremes": torch.tensor([2**63 - 1, -(2**63), 0]),
    "int64 long row": torch.arange(-30, 30) * 1_000_003,
    "int32": torch.tensor([1, 2, 3], dtype=torch.int32),
    "int16": torch.tensor([[-32768, 7], [1, 32767]], dtype=torch.int16),
    "int8": torch.tensor([-128, 0, 127], dtype=torch.int8),
    "uint8": torch.tensor([0, 255, 7], dtype=torch.uint8),
    "bool": torch.tensor([True, False, True]),
    "bool 2-D": torch.tensor([[True], [False]]),
    "bool 0-dim": torch.tensor(False),
    "int 0-dim": torch.tensor(5),
    "int32 0-dim": torch.tensor(-7, dtype=torch.int32),
    # Float dtypes other than the default.
    "float64": torch.tensor([1.0, 2.5, 3.0], dtype=torch.float64),
    "float64 whole": torch.tensor([1.0, 2.0], dtype=torch.float64),
    "float64 sci": torch.tensor([1e-300, 1e300], dtype=torch.float64),
    "float64 0-dim": torch.tensor(3.25, dtype=torch.float64),
    "float16": torch.tensor([0.1, 1000.0, 65504.0], dtype=torch.float16),
    "float16 whole": torch.tensor([[1.0, 2.0]], dtype=torch.float16),
    # Empty tensors.
    "empty": torch.tensor([]),
    "empty 2-D": torch.zeros(0, 3),
    "empty 3-D": torch.zeros(2, 0, 4),
    "empty int64": torch.zeros(0, dtype=torch.int64),
    "empty bool 2-D": torch.zeros(3, 0, dtype=torch.bool),
    "empty float64": torch.zeros(0, dtype=torch.float64),
    "empty float16 2-D": torch.zeros(0, 1, dtype=torch.float16),
    # 0-dim values.
    "0-dim whole": torch.tensor(3.0),
    "0-dim fraction": torch.tensor(3.5),
    "0-dim tiny": torch.tensor(1e-8),
    "0-dim huge": torch.tensor(-2.5e12),
    "0-dim zero": torch.tensor(0.0),
    # Shapes: 3-D, 4-D, single elements, columns.
    "3-D": torch.arange(24.0).reshape(2, 3, 4) / 7,
    "4-D": torch.arange(-36.0, 36.0).reshape(2, 3, 3, 4),
    "4-D sci": (torch.arange(48.0).reshape(2, 2, 3, 4) - 20) ** 5,
    "size-one dims": torch.ones(1, 1, 1, 1),
    "column": torch.tensor([[1.5], [-2.0], [3.25]]),
    "int 3-D": torch.arange(60).reshape(3, 4, 5),
    # Rows that wrap across lines.
    "long float row": torch.linspace(-3, 3, 55),
    "long whole row": torch.arange(100.0),
    "long sci row": torch.logspace(-6, 9, 40),
    "long rows 2-D": torch.linspace(-50, 50, 90).reshape(3, 30),
    "long rows 3-D": torch.arange(120.0).reshape(2, 2, 30) / 3,
    "long bool row": torch.arange(50) % 3 == 0,
    # Summaries of more than 1000 elements, and exactly 1000, which is not summarised.
    "exactly 1000": torch.arange(1000.0) / 3,
    "1001 elements": torch.arange(1001.0) / 3,
    "summarised ints": torch.arange(5000),
    "summarised 2-D": torch.arange(40 * 30.0).reshape(40, 30) / 11,
    "summarised short rows": torch.arange(2000.0).reshape(1000, 2),
    "summarised 3-D": torch.arange(10 * 10 * 11.0).reshape(10, 10, 11) - 500,
    "summarised 4-D": torch.arange(6.0**4 * 2).reshape(6, 6, 6, 12) ** 2,
    "summarised nan in hidden part": torch.cat(
        [torch.ones(3), torch.full((1000,), nan), torch.ones(3)]
    ),
    "summarised huge hidden value": torch.cat(
        [torch.ones(4), torch.tensor([1e20]), torch.ones(4) / 3]
    ).repeat(200),
}


@pytest.mark.parametrize("tensor", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_cases_match_torch(tensor: torch.Tensor) -> None:
    assert_prints_like_torch(tensor)


def test_random_values_match_torch() -> None:
    generator = torch.Generator().manual_seed(0)
    for shape in [(7,), (30,), (4, 9), (3, 5, 7), (2, 3, 2, 5), (1200,), (60, 25), (11, 10, 10)]:
        for scale in (1e-5, 1.0, 1e3, 1e9):
            values = torch.randn(shape, generator=generator) * scale
            assert_prints_like_torch(values)
            assert_prints_like_torch(values.double())


# --- Suffixes: dtype, grad_fn, requires_grad, device, and where they wrap ---------------------


@pytest.mark.parametrize("length", range(1, 24))
def test_grad_fn_suffix_wraps_like_torch(length: int) -> None:
    leaf = torch.linspace(-2, 2, length, requires_grad=True)
    for tensor in (
        leaf,
        torch.sin(leaf),
        leaf * 1000,
        leaf.double() / 3,
        leaf.reshape(1, length).exp(),
        torch.nn.functional.softmax(leaf, dim=0),
        leaf.reshape(-1, 1).expand(length, 2).contiguous(),
    ):
        assert_prints_like_torch(tensor)


@pytest.mark.parametrize("length", range(1, 24))
def test_requires_grad_suffix_wraps_like_torch(length: int) -> None:
    for tensor in (
        torch.full((length,), 0.5, requires_grad=True),
        torch.full((length,), 0.5, dtype=torch.float64, requires_grad=True),
        torch.full((length,), 1.5e-7, requires_grad=True),
        torch.full((length,), 12345.0, dtype=torch.float16, requires_grad=True),
        torch.ones(2, length, requires_grad=True),
    ):
        assert_prints_like_torch(tensor)


@pytest.mark.parametrize("linewidth", range(20, 101))
def test_suffixes_wrap_at_any_linewidth(linewidth: int) -> None:
    # float64 gives two suffixes, so the line length counted after a wrap matters too.
    set_both_printoptions(linewidth=linewidth)
    for length in range(1, 12):
        leaf = torch.arange(float(length), dtype=torch.float64, requires_grad=True)
        assert_prints_like_torch(leaf)
        assert_prints_like_torch(leaf * 1.5)


def test_device_suffix_matches_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    # A CPU-only torch never prints a device, unless its default device is something else.
    monkeypatch.setattr(torch._C, "_get_default_device", lambda: "cuda")
    for length in (1, 8, 9, 10, 11, 12, 20):
        leaf = torch.linspace(0, 1, length, dtype=torch.float64, requires_grad=True)
        for tensor in (leaf, leaf * 2, torch.zeros(0, length)):
            assert minigrad_repr(tensor, device="cpu") == repr(tensor)


def test_cuda_device_suffix() -> None:
    values = np.array([1.0, 2.0], dtype=np.float32)
    printed = format_tensor(
        values, dtype=backend.float32, is_default_dtype=True, requires_grad=True, device="cuda:0"
    )
    assert printed == "tensor([1., 2.], device='cuda:0', requires_grad=True)"


def test_subclass_prefix_matches_torch() -> None:
    class Weights(torch.Tensor):
        pass

    generator = torch.Generator().manual_seed(1)
    for shape in [(3,), (3, 30), (2, 2, 12)]:
        weights = torch.randn(shape, generator=generator).as_subclass(Weights)
        assert minigrad_repr(weights, prefix="Weights(") == repr(weights)


def test_grad_fn_wins_over_requires_grad() -> None:
    printed = format_tensor(
        np.array(2.0, dtype=np.float64),
        dtype=backend.float64,
        is_default_dtype=False,
        grad_fn_name="SinBackward0",
        requires_grad=True,
    )
    assert printed == "tensor(2., dtype=torch.float64, grad_fn=<SinBackward0>)"


def test_default_dtype_float64_hides_float64() -> None:
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        for tensor in (
            torch.tensor([1.5, 2.0]),
            torch.tensor([1.5, 2.0], dtype=torch.float32),
            torch.tensor([]),
            torch.tensor([], dtype=torch.float32),
            torch.tensor([1, 2]),
        ):
            assert_prints_like_torch(tensor)
    finally:
        torch.set_default_dtype(previous)


# --- Print options --------------------------------------------------------------------------

SAMPLE_TENSORS: list[Callable[[], torch.Tensor]] = [
    lambda: torch.tensor([1.23456789, -2.5, 1000.0]),
    lambda: torch.tensor([1e-5, 3.0, -7.25e4]),
    lambda: torch.tensor([1.0, 2.0, 3.0]),
    lambda: torch.tensor([nan, -0.0, inf, 0.5]),
    lambda: torch.tensor(3.14159265),
    lambda: torch.tensor(7),
    lambda: torch.arange(20),
    lambda: torch.arange(30.0).reshape(5, 6) / 7,
    lambda: torch.arange(2000.0) / 9,
    lambda: torch.arange(50 * 40).reshape(50, 40),
    lambda: torch.arange(3 * 8 * 9.0).reshape(3, 8, 9) ** 3,
    lambda: torch.tensor([]),
    lambda: torch.zeros(0, 2, dtype=torch.int32),
    lambda: torch.linspace(0, 1, 40, requires_grad=True),
    lambda: torch.sin(torch.linspace(0, 1, 12, dtype=torch.float64, requires_grad=True)),
]

PRINT_OPTION_SETTINGS = [
    {"precision": 0},
    {"precision": 2},
    {"precision": 8},
    {"threshold": 5},
    {"threshold": 0},
    {"threshold": math.inf},
    {"edgeitems": 1},
    {"edgeitems": 0},
    {"edgeitems": 0, "threshold": 5},
    {"edgeitems": 5, "threshold": 10},
    {"linewidth": 20},
    {"linewidth": 40},
    {"linewidth": 150},
    {"sci_mode": True},
    {"sci_mode": False},
    {"profile": "short"},
    {"profile": "full"},
    {"profile": "default"},
    {"profile": "short", "precision": 6, "sci_mode": True},
]


def test_only_shown_values_decide_the_style() -> None:
    set_both_printoptions(threshold=5)
    for hidden in (1e10, 0.5, nan):
        assert_prints_like_torch(torch.tensor([1.0, 2.0, 3.0, hidden, 4.0, 5.0, 6.0]))
        assert_prints_like_torch(torch.tensor([[1, 2, 3, 4, 5, 6, 7]] * 7) * 1.5)


@pytest.mark.parametrize("options", PRINT_OPTION_SETTINGS, ids=str)
def test_printoptions_match_torch(options: dict[str, Any]) -> None:
    set_both_printoptions(**options)
    assert get_printoptions() == torch._tensor_str.get_printoptions()
    for make_tensor in SAMPLE_TENSORS:
        assert_prints_like_torch(make_tensor())


def test_printoptions_persist_and_sci_mode_resets_like_torch() -> None:
    set_both_printoptions(sci_mode=True, precision=3)
    set_both_printoptions(linewidth=60)  # keeps precision, but sci_mode goes back to None
    assert get_printoptions() == torch._tensor_str.get_printoptions()
    assert get_printoptions() == {
        "precision": 3,
        "threshold": 1000,
        "edgeitems": 3,
        "linewidth": 60,
        "sci_mode": None,
    }
    set_both_printoptions(profile="no-such-profile")
    assert get_printoptions() == torch._tensor_str.get_printoptions()


def test_printoptions_context_manager_restores() -> None:
    before = get_printoptions()
    with (
        printoptions(precision=1, sci_mode=False),
        torch._tensor_str.printoptions(precision=1, sci_mode=False),
    ):
        assert_prints_like_torch(torch.tensor([1e-6, 2.25, 1e9]))
    assert get_printoptions() == before
    assert_prints_like_torch(torch.tensor([1e-6, 2.25, 1e9]))


# --- Property test: random shapes, dtypes, magnitudes and options ---------------------------

finite_float = st.one_of(
    st.floats(-10, 10),
    st.integers(-1000, 1000).map(float),
    st.builds(
        lambda sign, mantissa, exponent: sign * mantissa * 10.0**exponent,
        st.sampled_from([-1.0, 1.0]),
        st.floats(1, 10),
        st.integers(-6, 9),
    ),
)
any_float = st.one_of(finite_float, st.sampled_from([0.0, -0.0, nan, inf, -inf]))
any_int = st.one_of(st.integers(-1000, 1000), st.integers(-(2**63), 2**63 - 1))


@st.composite
def tensors(draw: st.DrawFn) -> torch.Tensor:
    """A float32, float64 or int64 tensor of 0 to 4 dims mixing magnitudes from 1e-6 to 1e9."""
    shape = tuple(draw(st.lists(st.integers(0, 6), max_size=4)))
    size = math.prod(shape)
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int64]))
    if dtype is np.int64:
        elements = draw(st.lists(any_int, min_size=size, max_size=size))
    else:
        allow_special = draw(st.booleans())
        element = any_float if allow_special else finite_float
        elements = draw(st.lists(element, min_size=size, max_size=size))
    values = np.array(elements, dtype=np.float64 if dtype is not np.int64 else np.int64)
    return torch.from_numpy(values.astype(dtype).reshape(shape))


print_options = st.fixed_dictionaries(
    {},
    optional={
        "precision": st.integers(0, 8),
        "threshold": st.integers(0, 60),
        "edgeitems": st.integers(0, 4),
        "linewidth": st.integers(10, 120),
        "sci_mode": st.sampled_from([True, False]),
    },
)


@settings(max_examples=300, deadline=None)
@given(tensor=tensors(), requires_grad=st.booleans())
def test_any_tensor_prints_like_torch(tensor: torch.Tensor, requires_grad: bool) -> None:
    if requires_grad and tensor.dtype != torch.int64:
        tensor = tensor.requires_grad_()
    assert_prints_like_torch(tensor)


@settings(max_examples=200, deadline=None)
@given(tensor=tensors(), options=print_options, requires_grad=st.booleans())
def test_any_tensor_prints_like_torch_under_any_options(
    tensor: torch.Tensor, options: dict[str, Any], requires_grad: bool
) -> None:
    if requires_grad and tensor.dtype != torch.int64:
        tensor = tensor.requires_grad_()
    set_both_printoptions(**options)
    try:
        assert_prints_like_torch(tensor)
    finally:
        set_both_printoptions(profile="default")


# --- minigrad stays free of torch -----------------------------------------------------------


def test_printing_module_imports_only_numpy_and_stdlib() -> None:
    tree = ast.parse(PRINTING_SOURCE.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - sys.stdlib_module_names <= {"numpy", "minigrad"}
