"""Pointwise ops off the tutorial's path, against PyTorch: NaN and inf in gradients, wrong
argument types, dtypes and messages, what the nodes save, and double-backward graphs.

Each case is a small program in text, run once with `T` as minigrad and once as torch, so a
failure prints the program that differs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from oracle import names_along

import minigrad

LIBRARIES = {"minigrad": minigrad, "torch": torch}


def run(program: str, lib: Any) -> dict[str, Any]:
    """Run `program` with `T` as `lib`, `nan` and `inf` defined; its variables afterwards."""
    scope: dict[str, Any] = {"T": lib, "nan": math.nan, "inf": math.inf, "np": np,
                             "names_along": names_along}
    exec(program, scope)
    return scope


def outcome(program: str, expression: str, lib: Any) -> Any:
    """What `expression` gives after `program` runs with `T` as `lib`, or (class, message)
    of what either raises."""
    try:
        scope = run(program, lib)
        return eval(expression, scope)
    except Exception as error:
        return type(error).__name__, str(error)


def same(mini: Any, ref: Any) -> None:
    """Equal results: tensors by shape, dtype and values (NaN equal to NaN), others by ==."""
    if isinstance(ref, torch.Tensor):
        assert isinstance(mini, minigrad.Tensor), (mini, ref)
        assert tuple(mini.shape) == tuple(ref.shape)
        assert str(mini.dtype) == str(ref.dtype)
        np.testing.assert_allclose(mini.detach().numpy(), ref.detach().numpy(), rtol=1e-6,
                                   equal_nan=True)
    elif isinstance(ref, (tuple, list)) and any(isinstance(r, torch.Tensor) for r in ref):
        assert len(mini) == len(ref)
        for m, r in zip(mini, ref):
            same(m, r)
    else:
        assert mini == ref


def agree(program: str, expression: str) -> None:
    same(outcome(program, expression, minigrad), outcome(program, expression, torch))


# 1. NaN and inf do not leak through the places an op cuts off -------------------------

GRADIENT_PROGRAMS = {
    "clamp_sqrt": "x = T.tensor([-1., 4.], requires_grad=True); x.clamp(min=0).sqrt().sum()"
                  ".backward()",
    "relu_sqrt": "x = T.tensor([-1., 4.], requires_grad=True); x.relu().sqrt().sum().backward()",
    "clamp_log": "x = T.tensor([-1., 4.], requires_grad=True); x.clamp(min=0).log().sum()"
                 ".backward()",
    "clamp_both_inf": "x = T.tensor([-1., .5, 2.], requires_grad=True); "
                      "x.clamp(0, 1).backward(T.tensor([inf, inf, inf]))",
    "clamp_nan_input": "x = T.tensor([nan, .5, 2.], requires_grad=True); "
                       "x.clamp(0, 1).sum().backward()",
    "clamp_max_inf": "x = T.tensor([-1., .5, 2.], requires_grad=True); "
                     "x.clamp(max=1).backward(T.tensor([inf, nan, inf]))",
    "clamp_tensor_bounds": "x = T.tensor([[-1., .5, 2.], [3., nan, 0.]], requires_grad=True); "
                           "lo = T.tensor([0., 0., 1.], requires_grad=True); "
                           "hi = T.tensor([[1.], [-1.]], requires_grad=True); "
                           "x.clamp(lo, hi).backward(T.full((2, 3), inf)); "
                           "g = (x.grad, lo.grad, hi.grad)",
    "relu_inf": "x = T.tensor([-1., 2., 0.], requires_grad=True); "
                "x.relu().backward(T.tensor([inf, nan, inf]))",
    "relu_nan_input": "x = T.tensor([nan, 2., 0.], requires_grad=True); x.relu().sum().backward()",
    "abs_nan": "x = T.tensor([nan, -2., 0.], requires_grad=True); x.abs().sum().backward()",
    "sign_nan_value": "x = T.tensor([nan, -0., 2.]); g = x.sign()",
    "max_nan": "x = T.tensor([1., nan, 3.], requires_grad=True); x.max().backward()",
    "min_two_nans": "x = T.tensor([nan, nan, 3.], requires_grad=True); x.min().backward()",
    "max_tie_inf": "x = T.tensor([3., 1., 3.], requires_grad=True); "
                   "x.max().backward(T.tensor(inf))",
    "maximum_inf": "x = T.tensor([1., -1., 0.], requires_grad=True); "
                   "T.maximum(x, T.zeros(3)).backward(T.tensor([inf, inf, inf]))",
    "minimum_inf": "x = T.tensor([1., -1., 0.], requires_grad=True); "
                   "T.minimum(x, T.zeros(3)).backward(T.tensor([inf, inf, inf]))",
    "maximum_nan": "x = T.tensor([1., -1., nan], requires_grad=True); "
                   "T.maximum(x, T.tensor([0., nan, 0.])).sum().backward()",
    "maximum_broadcast": "x = T.tensor([0., 1., 2.], requires_grad=True); "
                         "b = T.tensor(1., requires_grad=True); "
                         "T.maximum(x, b).sum().backward(); g = b.grad",
    "zero_pow": "x = T.tensor([-1., 0., 2.], requires_grad=True); (0 ** x).sum().backward()",
    "zero_float_pow": "x = T.tensor([-1., 0., nan], requires_grad=True); "
                      "(0. ** x).sum().backward()",
    "pow_zero_inf": "x = T.tensor([0., 1., 2.], requires_grad=True); "
                    "(x ** 0).backward(T.tensor([inf, 1., 1.]))",
    "pow_tensor_zero": "x = T.tensor([0., 1., 2.], requires_grad=True); "
                       "(x ** T.tensor([0., 0., 2.])).sum().backward()",
    "tensor_pow_zero_base": "x = T.tensor([-1., 0., 2.], requires_grad=True); "
                            "(T.tensor([0., 0., 2.]) ** x).sum().backward()",
    "sign_inf": "x = T.tensor([1., 2., 3.], requires_grad=True); "
                "x.sign().backward(T.tensor([inf, nan, 1.]))",
    "floor_inf": "x = T.tensor([1., 2., 3.], requires_grad=True); "
                 "x.floor().backward(T.tensor([inf, nan, 1.]))",
    "where_inf": "x = T.tensor([1., 2., 3.], requires_grad=True); "
                 "T.where(T.tensor([True, False, True]), x, 0.)"
                 ".backward(T.tensor([inf, inf, nan]))",
    "masked_fill_inf": "x = T.tensor([1., 2., 3.], requires_grad=True); "
                       "x.masked_fill(T.tensor([True, False, True]), 0.)"
                       ".backward(T.tensor([inf, inf, nan]))",
}


@pytest.mark.parametrize("program", GRADIENT_PROGRAMS.values(), ids=GRADIENT_PROGRAMS.keys())
def test_nan_and_inf_stay_where_pytorch_puts_them(program: str) -> None:
    expression = "g" if "g =" in program else "x.grad"
    agree(program, expression)


# 7. Wrong argument types: PyTorch's class and message, at the call ----------------------

SETUP = ("x = T.tensor([-1., 4., 2.], requires_grad=True); c = T.tensor([True, False, True]); "
         "i = T.tensor([1, 2, 3])")

WRONG_TYPES = [
    # Operators: Python's own message, since the tensor's operator declines the operand.
    "x * None", "None * x", "x + [1, 2, 3]", "[1, 2, 3] + x", "x + (1, 2, 3)", "x ** [1, 2, 3]",
    "x + 'a'", "'a' + x", "x @ 2", "2 @ x", "x @ None", "x - None", "x / None", "None / x",
    "x ** None", "None ** x", "x < None", "x < 'a'", "x > [1, 2, 3]", "x == None", "x != None",
    # Functions and methods: PyTorch's argument parser's message.
    "T.add(x, None)", "T.mul(x, [1, 2, 3])", "T.mul(x, 'a')", "x.add('a')", "x.mul(None)",
    "x.sub(None)", "x.div('a')", "T.sin(None)", "T.sin(2.0)", "T.relu(None)", "T.abs('a')",
    "T.maximum(x, 2)", "T.maximum(x, None)", "T.maximum(2, x)", "x.maximum(3)",
    "T.add(x, other=None)", "x.add(other=None)", "T.add(x, 2, alpha='a')",
    "x.sub(2, alpha=None)", "T.mul(None, None)", "T.mul(x, np.array([1., 2., 3.]))",
    "T.nn.functional.relu(None)", "T.eq(x, None)", "x.eq('a')",
    # Ops with several signatures: "received an invalid combination of arguments".
    "T.where(c, x, None)", "T.where(c, None, x)", "T.where(c, x, 'a')", "T.where(c, x, [1, 2, 3])",
    "T.where(c, x, (1, 'a'))", "T.where(None, x, x)", "T.where(1, x, x)",
    "T.where(c, x, other=None)", "x.clamp('a')", "T.clamp(x, 'a')", "x.clamp(min='a')",
    "x.pow('a')", "x.pow([1, 2])", "x.pow(None)", "T.pow(x, 'a')", "T.pow(2, 'a')",
    "T.pow(x, None)", "x.masked_fill(c, None)", "x.masked_fill(c, 'a')", "x.masked_fill(c, [1.])",
    "T.masked_fill(x, c, None)",
]
# Where minigrad does not match PyTorch, and why:
# - `x * 1j`: minigrad has no complex dtypes.
# - `T.clamp(x, min=None, max='a')` and other calls with several wrong keyword arguments:
#   PyTorch lists the keywords in its hash map's order, not the call's.
# - `x.mul(x, x)`: Python's own arity message counts `self` for minigrad's methods.


@pytest.mark.parametrize("expression", WRONG_TYPES)
def test_wrong_argument_types_raise_pytorchs_error(expression: str) -> None:
    mini, ref = outcome(SETUP, expression, minigrad), outcome(SETUP, expression, torch)
    if isinstance(ref, bool):  # `x == None` is False in both
        assert mini is ref
        return
    assert ref[0] == "TypeError"
    assert mini == ref


# 9. Dtypes, promotion and messages --------------------------------------------------

DTYPE_AND_MESSAGE = [
    "T.where(i, x, x)", "T.where(x, x, x)", "T.where(c.double(), x, x)",
    "i ** -1", "i ** -2", "T.pow(i, -1)", "T.tensor(3) ** -1",
    "i.clamp(-0.87, 0.08)", "i.clamp(-1, 0)", "i.clamp(min=0.5)", "T.clamp(i, max=2.5)",
    "i.relu()", "T.relu(i)", "T.nn.functional.relu(i)",
    "i.abs()", "i.neg()", "i.sign()", "i.sqrt()", "T.maximum(i, x.detach())",
    "T.where(c, i, 2.5)", "T.where(c, i, x.detach())", "T.where(c, 1, 2.5)",
    "x.detach().expand(2, 3).add_(1)", "x.detach().expand(2, 3).mul_(2)",
    "x.detach().expand(2, 3).relu_()", "T.clamp(x, None, None)",
    "x.sgn()", "T.sign(T.tensor([nan, -0., 2.]))",
]


@pytest.mark.parametrize("expression", DTYPE_AND_MESSAGE)
def test_dtypes_and_messages_match(expression: str) -> None:
    agree(SETUP, expression)


# 3. What the nodes save -----------------------------------------------------------

SAVING_OPS = [
    "x * 2", "2 * x", "x * 2.5", "x * True", "x * T.tensor(2.)", "x * y", "x / -1", "x / y",
    "-1 / x", "x + 2", "x - 2", "2 - x", "T.add(x, y, alpha=2)", "x ** 2", "x ** 2.5",
    "x ** y", "2 ** x", "0 ** x", "x.square()", "x.clamp(0, 1)", "x.clamp(min=0)",
    "x.clamp(max=0)", "x.clamp_min(0)", "x.clamp_max(0)", "x.clamp(min=T.tensor(0.))",
    "x.clamp(y, T.tensor([[1.], [3.]]))", "x.clamp(T.tensor(0.), 1.)", "x.relu()", "x.abs()",
    "T.maximum(x, y)", "T.minimum(x, T.tensor(1.))", "T.where(c, x, 0.)", "T.where(c, x, y)",
    "x.masked_fill(c, 1.)", "x.sigmoid()", "x.exp()", "x.sqrt()", "x.neg()", "x.sign()",
    "x.reciprocal()", "x.tan()", "x.log1p()",
]
SAVING_SETUP = ("x = T.tensor([-1., 4.], requires_grad=True); "
                "y = T.tensor([2., 3.], requires_grad=True); c = T.tensor([True, False])")


@pytest.mark.parametrize("expression", SAVING_OPS)
def test_nodes_save_what_pytorchs_save(expression: str) -> None:
    nodes = {name: outcome(SAVING_SETUP, f"({expression}).grad_fn", lib)
             for name, lib in LIBRARIES.items()}
    assert nodes["minigrad"].name() == nodes["torch"].name()
    names = sorted(a for a in dir(nodes["torch"]) if a.startswith("_saved_"))
    assert sorted(a for a in dir(nodes["minigrad"]) if a.startswith("_saved_")) == names
    for name in names:
        same(getattr(nodes["minigrad"], name), getattr(nodes["torch"], name))


SAVED_AND_FREED = {
    "x * 2": "_saved_other", "x / -1": "_saved_other", "T.where(c, x, 0.)": "_saved_condition",
    "x.relu()": "_saved_result", "x.clamp(0, 1)": "_saved_self", "2 ** x": "_saved_result",
    "x.masked_fill(c, 1.)": "_saved_mask", "T.maximum(x, y)": "_saved_other",
}


@pytest.mark.parametrize(("expression", "saved"), SAVED_AND_FREED.items())
def test_a_second_backward_finds_the_saved_values_freed(expression: str, saved: str) -> None:
    program = f"{SAVING_SETUP}; z = ({expression}).sum(); z.backward()"
    agree(program, "z.backward()")
    agree(program, f"z.grad_fn.next_functions[0][0].{saved}")


# 8. Double backward: PyTorch's named ops, and what requires grad -------------------------


SECOND_ORDER = {
    "relu": "x.relu().sum()",
    "relu_squared": "(x.relu() ** 2).sum()",
    "cube": "(x ** 3).sum()",
    "clamp": "x.clamp(0, 1).sum()",
    "clamp_min": "x.clamp(min=0).sum()",
    "clamp_times_x": "(x.clamp(0, 1) * x).sum()",
    "where": "T.where(c, x, 0.).sum()",
    "where_times_x": "(T.where(c, x, 0.) * x).sum()",
    "abs": "x.abs().sum()",
    "maximum": "T.maximum(x, T.tensor(0.)).sum()",
    "clamp_tensors": "(x.clamp(T.tensor([0., 1., 0.]), T.tensor(2.)) * x).sum()",
    "max": "x.max()",
    "sub_alpha_times_x": "(x.sub(x * x, alpha=2) * x).sum()",
    "add_alpha_times_x": "(x.add(x * x, alpha=2) * x).sum()",
    "rsub_number_alpha_times_x": "(T.rsub(x * x, 3.0, alpha=2) * x).sum()",
}


@pytest.mark.parametrize("loss", SECOND_ORDER.values(), ids=SECOND_ORDER.keys())
def test_double_backward_graph_and_second_gradient(loss: str) -> None:
    program = ("x = T.tensor([-1., 0.5, 4.], requires_grad=True); "
               "c = T.tensor([True, False, True]); "
               f"(g,) = T.autograd.grad({loss}, x, create_graph=True)")
    agree(program, "g")
    agree(program, "g.requires_grad")
    agree(program, "names_along(g.grad_fn)")
    # PyTorch's second gradient of abs is a ZeroTensor: NumPy reads it once an op copies it.
    agree(program, "[t.clone() + 0 for t in T.autograd.grad(g.sum(), x)]")


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_relu_keeps_nan_and_minus_zero_and_its_backward_the_gradients_bits(dtype) -> None:
    rng = np.random.default_rng(0)
    values = rng.standard_normal((6, 8)).astype(dtype)
    values[0, :4] = [math.nan, 0.0, -0.0, -math.inf]  # relu keeps NaN and -0.0, as PyTorch
    grad = rng.standard_normal((6, 8)).astype(dtype)  # NaN passes the gradient; zeros cut it
    grad[1, :4] = [math.inf, -math.inf, math.nan, -0.0]
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor(values.T, requires_grad=True)  # a transposed layout too
        y = x.relu()
        y.backward(lib.tensor(grad.T))
        results.append([np.ascontiguousarray(t.detach().numpy()) for t in (y, x.grad)])
    for ours, theirs in zip(*results):
        assert ours.dtype == theirs.dtype
        assert ours.tobytes() == theirs.tobytes()


def test_threshold_backward_node_saves_and_differentiates_as_pytorchs() -> None:
    program = ("x = T.tensor([-1., 0.5, 4.], requires_grad=True); "
               "(g,) = T.autograd.grad(x.relu().sum(), x, create_graph=True); n = g.grad_fn")
    agree(program, "n.name()")
    agree(program, "n._saved_self")
    agree(program, "n._saved_threshold")
    agree(program, "T.autograd.grad((g * x).sum(), x)")
