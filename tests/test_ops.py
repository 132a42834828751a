"""Every op against PyTorch 2.13: values, node names, gradients, errors; and gradcheck.

Hypothesis draws shapes (broadcasting pairs included) and values; each op
runs forward and backward in both libraries with the same inputs and the
same output gradient.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from oracle import assert_close, to_mini

import minigrad
from minigrad.autograd import gradcheck

Op = Callable[..., object]


# name -> (op, number of tensor inputs, domain of the values)
UNARY: dict[str, tuple[Op, str]] = {
    "exp": (lambda m, x: m.exp(x), "any"),
    "exp2": (lambda m, x: x.exp2(), "any"),
    "expm1": (lambda m, x: x.expm1(), "any"),
    "log": (lambda m, x: m.log(x), "positive"),
    "log2": (lambda m, x: x.log2(), "positive"),
    "log10": (lambda m, x: x.log10(), "positive"),
    "log1p": (lambda m, x: x.log1p(), "positive"),
    "sin": (lambda m, x: m.sin(x), "any"),
    "cos": (lambda m, x: x.cos(), "any"),
    "tan": (lambda m, x: x.tan(), "small"),
    "sinh": (lambda m, x: x.sinh(), "any"),
    "cosh": (lambda m, x: x.cosh(), "any"),
    "atan": (lambda m, x: x.atan(), "any"),
    "tanh": (lambda m, x: m.tanh(x), "any"),
    "sigmoid": (lambda m, x: m.sigmoid(x), "any"),
    "relu": (lambda m, x: m.relu(x), "nonzero"),
    "sqrt": (lambda m, x: x.sqrt(), "positive"),
    "rsqrt": (lambda m, x: x.rsqrt(), "positive"),
    "reciprocal": (lambda m, x: x.reciprocal(), "nonzero"),
    "abs": (lambda m, x: x.abs(), "nonzero"),
    "neg": (lambda m, x: -x, "any"),
    "square": (lambda m, x: x.square(), "any"),
    "pow_scalar": (lambda m, x: x ** 3, "any"),
    "pow_fraction": (lambda m, x: x.pow(2.5), "positive"),
    "scalar_pow": (lambda m, x: 2 ** x, "any"),
    "rsub": (lambda m, x: 1 - x, "any"),
    "rdiv": (lambda m, x: 2 / x, "nonzero"),
    "clamp": (lambda m, x: x.clamp(-0.5, 0.5), "nonzero"),
    "clamp_min": (lambda m, x: x.clamp_min(0.1), "nonzero"),
    "sum": (lambda m, x: x.sum(), "any"),
    "sum_last": (lambda m, x: x.sum(-1), "any"),
    "sum_keepdim": (lambda m, x: x.sum(0, keepdim=True), "any"),
    "mean": (lambda m, x: x.mean(), "any"),
    "mean_dim": (lambda m, x: x.mean(-1), "any"),
    "max": (lambda m, x: x.max(), "distinct"),
    "min_dim": (lambda m, x: x.min(dim=-1).values, "distinct"),
    "amax": (lambda m, x: x.amax(-1), "distinct"),
    "norm": (lambda m, x: x.norm(), "nonzero"),
    "norm_dim": (lambda m, x: x.norm(dim=-1), "nonzero"),
    "norm_p1": (lambda m, x: x.norm(p=1), "nonzero"),
    "softmax": (lambda m, x: x.softmax(-1), "any"),
    "log_softmax": (lambda m, x: x.log_softmax(-1), "any"),
    "flatten": (lambda m, x: x.flatten(), "any"),
    "transpose": (lambda m, x: x.transpose(0, -1), "any"),
    "unsqueeze": (lambda m, x: x.unsqueeze(1), "any"),
    "index_first": (lambda m, x: x[0], "any"),
    "slice_step": (lambda m, x: x[::2], "any"),
    "fancy_index": (lambda m, x: x[[0, 0, -1]], "any"),
    "repeat": (lambda m, x: x.repeat(2, *([1] * (x.dim() - 1))), "any"),
    "sign": (lambda m, x: x.sign(), "nonzero"),
    "floor": (lambda m, x: x.floor(), "any"),
}

BINARY: dict[str, Op] = {
    "add": lambda m, a, b: a + b,
    "add_alpha": lambda m, a, b: m.add(a, b, alpha=2.5),
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "where": lambda m, a, b: m.where(a > b, a, b),
    "pow": lambda m, a, b: a.abs() ** b,
}


def values(domain: str, shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Float arrays whose values suit the op (no kinks at the sampled points)."""
    if domain == "positive":
        elements = st.floats(0.125, 4.0, width=32)
    elif domain == "small":
        elements = st.floats(-1.25, 1.25, width=32)
    elif domain == "nonzero":
        elements = st.floats(0.0625, 3.0, width=32).flatmap(lambda v: st.sampled_from([v, -v]))
    else:
        elements = st.floats(-3.0, 3.0, width=32)
    unique = domain == "distinct"
    return hnp.arrays(np.float32, shape, elements=elements if not unique else
                      st.floats(-3.0, 3.0, width=32), unique=unique)


shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def run_both(op: Op, arrays: list[np.ndarray], seed: int = 0) -> None:
    """Forward and backward in both libraries; compare values, node names and grads."""
    refs = [torch.tensor(a, requires_grad=True) for a in arrays]
    minis = [to_mini(r) for r in refs]
    expected = op(torch, *refs)
    result = op(minigrad, *minis)
    assert_close(result, expected, rtol=1e-4, atol=1e-5)
    if expected.grad_fn is None:  # PyTorch returned the input itself (flatten of a vector)
        assert result.grad_fn is None
    else:
        assert result.grad_fn.name() == expected.grad_fn.name()
        assert len(result.grad_fn.next_functions) == len(expected.grad_fn.next_functions)
    grad = torch.from_numpy(np.random.default_rng(seed).standard_normal(
        tuple(expected.shape)).astype(np.float32))
    expected.backward(grad)
    result.backward(minigrad.tensor(grad.numpy()))
    for mini, ref in zip(minis, refs):
        assert_close(mini.grad, ref.grad, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_op_matches_pytorch(name: str, data: st.DataObject) -> None:
    op, domain = UNARY[name]
    shape = data.draw(shapes)
    run_both(op, [data.draw(values(domain, shape))])


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data(), shape_pair=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3,
                                                                     max_side=4))
def test_binary_op_broadcasts_like_pytorch(name: str, data: st.DataObject, shape_pair) -> None:
    domain = "positive" if name in ("div", "pow") else "any"
    arrays = [data.draw(values(domain, shape)) for shape in shape_pair.input_shapes]
    run_both(BINARY[name], arrays)


@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), batch=st.integers(1, 3))
def test_matmul_shapes_like_pytorch(n: int, k: int, m: int, batch: int) -> None:
    rng = np.random.default_rng(n * 100 + k * 10 + m)
    cases = [((k,), (k,)), ((n, k), (k,)), ((k,), (k, m)), ((n, k), (k, m)),
             ((batch, n, k), (k, m)), ((batch, n, k), (batch, k, m)), ((batch, n, k), (k,))]
    for left, right in cases:
        run_both(lambda lib, a, b: a @ b, [rng.standard_normal(left).astype(np.float32),
                                           rng.standard_normal(right).astype(np.float32)])


def test_cat_stack_split_against_pytorch() -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(3)]
    run_both(lambda lib, a, b, c: lib.cat([a, b, c], dim=1), arrays)
    run_both(lambda lib, a, b, c: lib.stack([a, b, c], dim=-1), arrays)
    run_both(lambda lib, a, b, c: a.split([1, 2], dim=1)[1] * b.chunk(3, 1)[2] + c[:, :2], arrays)
    run_both(lambda lib, a, b, c: a.unbind(1)[0] + b.T[1], arrays)


def test_type_promotion_matches_pytorch() -> None:
    cases = [
        (lambda lib: lib.tensor([1, 2]) * 2.5),
        (lambda lib: lib.tensor([1, 2]) / lib.tensor([2, 4])),
        (lambda lib: lib.tensor([1.0], dtype=lib.float64) + lib.tensor([1.0, 2.0])),
        (lambda lib: lib.tensor(1.0, dtype=lib.float64) + lib.tensor([1.0, 2.0])),
        (lambda lib: lib.tensor([True, False]) + 1),
        (lambda lib: lib.tensor([True, False]) * 1.5),
        (lambda lib: lib.tensor([1, 2]) + lib.tensor([0.5])),
        (lambda lib: lib.arange(5)),
        (lambda lib: lib.arange(0, 1, 0.25)),
        (lambda lib: lib.full((2,), 3)),
        (lambda lib: lib.tensor([1, 2]).sum()),
        (lambda lib: lib.tensor([1.5, 2]) > 1),
    ]
    for case in cases:
        mine, theirs = case(minigrad), case(torch)
        assert repr(mine) == repr(theirs)


ERRORS = {
    "broadcast": lambda lib: lib.rand(2, 3) + lib.rand(3, 2),
    "mm_shapes": lambda lib: lib.rand(2, 3) @ lib.rand(2, 3),
    "mm_dtypes": lambda lib: lib.rand(2, 3).mm(lib.rand(3, 2).double()),
    "dot_sizes": lambda lib: lib.rand(3) @ lib.rand(2),
    "dot_dtypes": lambda lib: lib.rand(3, dtype=lib.float64) @ lib.rand(3),
    "matmul_0d": lambda lib: lib.tensor(1.0) @ lib.rand(2),
    "int_requires_grad": lambda lib: lib.tensor([1, 2]).requires_grad_(),
    "view_bad_size": lambda lib: lib.rand(2, 3).view(4),
    "view_non_contiguous": lambda lib: lib.rand(2, 3).t().view(6),
    "index_out_of_range": lambda lib: lib.rand(2, 3)[5],
    "dim_out_of_range": lambda lib: lib.rand(2, 3).sum(3),
    "cat_sizes": lambda lib: lib.cat([lib.rand(2, 3), lib.rand(3, 2)]),
    "item_of_many": lambda lib: lib.rand(2).item(),
    "expand_bad": lambda lib: lib.rand(3).expand(2, 2),
    "numpy_requires_grad": lambda lib: lib.rand(2, requires_grad=True).numpy(),
    "set_requires_grad_non_leaf": lambda lib: setattr(
        lib.rand(2, requires_grad=True) * 2, "requires_grad", False),
    "bool_of_many": lambda lib: bool(lib.rand(3)),
    "mean_of_ints": lambda lib: lib.tensor([1, 2]).mean(),
    "stack_sizes": lambda lib: lib.stack([lib.rand(2), lib.rand(3)]),
    "squeeze_dim": lambda lib: lib.rand(3).squeeze(2),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_match_pytorch(name: str) -> None:
    with pytest.raises(Exception) as mine:
        ERRORS[name](minigrad)
    with pytest.raises(Exception) as theirs:
        ERRORS[name](torch)
    assert type(mine.value).__name__ == type(theirs.value).__name__
    assert str(mine.value) == str(theirs.value)


# Every op's gradient against central finite differences, in float64 ------------------------------


@pytest.mark.parametrize("name", UNARY)
def test_unary_gradcheck(name: str) -> None:
    op, domain = UNARY[name]
    if name in ("sign", "floor"):
        pytest.skip("piecewise constant: the finite difference is zero, as is the gradient")
    rng = np.random.default_rng(1)
    data = rng.uniform(0.2, 1.5, (3, 4)) * (rng.choice([-1, 1], (3, 4))
                                             if domain not in ("positive",) else 1)
    x = minigrad.tensor(data, dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(lambda t: op(minigrad, t), (x,))


@pytest.mark.parametrize("name", BINARY)
def test_binary_gradcheck(name: str) -> None:
    rng = np.random.default_rng(2)
    a = minigrad.tensor(rng.uniform(0.5, 1.5, (2, 3)), dtype=minigrad.float64,
                        requires_grad=True)
    b = minigrad.tensor(rng.uniform(0.5, 1.5, (3,)) + 0.01, dtype=minigrad.float64,
                        requires_grad=True)
    assert gradcheck(lambda x, y: BINARY[name](minigrad, x, y), (a, b))


def test_linalg_gradcheck() -> None:
    rng = np.random.default_rng(3)

    def t(*shape):
        return minigrad.tensor(rng.standard_normal(shape), requires_grad=True)

    assert gradcheck(lambda a, b: a @ b, (t(2, 3), t(3, 4)))
    assert gradcheck(lambda a, b: a @ b, (t(2, 3), t(3)))
    assert gradcheck(lambda a, b: a @ b, (t(3), t(3)))
    assert gradcheck(lambda a, b: a @ b, (t(2, 2, 3), t(2, 3, 2)))
    assert gradcheck(lambda c, a, b: minigrad.addmm(c, a, b), (t(4), t(2, 3), t(3, 4)))
    assert gradcheck(lambda a, b: minigrad.cat([a, b], 1), (t(2, 3), t(2, 1)))
    assert gradcheck(lambda a: a.expand(3, 2, 3), (t(2, 3),))
    assert gradcheck(lambda a: a[[0, 0, 1], 1:], (t(2, 3),))


@pytest.mark.filterwarnings("ignore:__array_wrap__:DeprecationWarning")  # PyTorch's, on NumPy 2
def test_numpy_ufuncs_on_tensors_behave_as_on_pytorchs() -> None:
    values = [0.5, -1.0, 2.0]
    for lib in (minigrad, torch):
        plain = np.sin(lib.tensor(values))
        assert isinstance(plain, lib.Tensor)
        np.testing.assert_allclose(plain.numpy(), np.sin(np.float32(values)), rtol=1e-6)
        # An operator with a NumPy operand is the tensor's own (recorded) operator.
        scaled = np.float32(2) * lib.tensor(values, requires_grad=True)
        assert type(scaled.grad_fn).__name__ == "MulBackward0"
    messages = []
    for lib in (minigrad, torch):
        with pytest.raises(RuntimeError) as error:
            np.sin(lib.tensor(values, requires_grad=True))
        messages.append(str(error.value))
    assert messages[0] == messages[1]
