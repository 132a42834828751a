"""`minigrad.autograd.functional` against `torch.autograd.functional` (PyTorch 2.13).

Every function with every combination of options (create_graph, strict,
vectorize, strategy, tuple or tensor arguments, inside `no_grad`, inputs
that require grad) must print what PyTorch prints, or raise what it
raises. Inputs are made in PyTorch and copied into minigrad.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.autograd.functional as torch_functional
from oracle import to_mini
from test_forward_ad import CASE_IDS, CASES, Case, as_tuple
from test_op_table import OP_IDS, Op, as_array, as_outputs, checked

import minigrad
from minigrad.autograd import functional

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # torch: vectorize is beta


def convert(value: object, lib: object) -> object:
    """A PyTorch tensor (or tuple of them) as `lib` tensors."""
    if isinstance(value, tuple):
        return tuple(convert(v, lib) for v in value)
    if isinstance(value, torch.Tensor) and lib is minigrad:
        return to_mini(value)
    return value.detach().clone().requires_grad_(value.requires_grad) if isinstance(
        value, torch.Tensor) else value


def outcome(call: Callable[[], object], detach: bool = False) -> tuple[str, str]:
    """What a call returned (printed, addresses blanked; detached if asked) or raised."""
    try:
        result = call()
    except Exception as error:
        return type(error).__name__, str(error)
    return "ok", re.sub(r" at 0x[0-9a-f]+", "", repr(detached(result) if detach else result))


def detached(value: object) -> object:
    if isinstance(value, (tuple, list)):
        return type(value)(detached(v) for v in value)
    return value.detach()


def same_as_torch(fn_name: str, make_func: Callable[[object], Callable[..., object]],
                  inputs: object, *, no_grad: bool = False, **kwargs: object) -> tuple[str, str]:
    """Run `functional.<fn_name>` in both libraries; return the outcome, which must agree.

    Forward-mode results are compared detached: whether a tangent records a
    graph follows minigrad's jvp rules, which skip absent tangents where
    PyTorch's formulas multiply zeros by the primal (`3 * x` records nothing).
    """
    forward = "forward-mode" in (kwargs.get("strategy"), kwargs.get("outer_jacobian_strategy"))
    results = []
    for lib, module in ((torch, torch_functional), (minigrad, functional)):
        args = {k: convert(v, lib) for k, v in kwargs.items()}
        call = lambda: getattr(module, fn_name)(make_func(lib), convert(inputs, lib), **args)  # noqa: E731, B023
        with lib.set_grad_enabled(not no_grad):
            results.append(outcome(call, detach=forward))
    expected, actual = results
    assert actual == expected
    return expected


def rand(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


def ones(*shape: int) -> torch.Tensor:
    return torch.ones(*shape)


# The tutorial and the jvp reference page ----------------------------------------------

def exp_adder(lib: object) -> Callable[..., object]:
    return lambda x, y: 2 * x.exp() + 3 * y


def exp_reducer(lib: object) -> Callable[..., object]:
    return lambda x: x.exp().sum(dim=1)


def adder(lib: object) -> Callable[..., object]:
    return lambda x, y: 2 * x + 3 * y


def do_some_doubling(lib: object) -> Callable[..., object]:
    def double(x):
        y = x * 2
        while y.data.norm() < 1000:
            y = y * 2
        return y

    return double


def pow_reducer(lib: object) -> Callable[..., object]:
    return lambda x: x.pow(3).sum()


def pow_adder_reducer(lib: object) -> Callable[..., object]:
    return lambda x, y: (2 * x.pow(2) + 3 * y.pow(2)).sum()


def test_tutorial_jacobian_of_single_element_inputs() -> None:
    inputs = (rand(1, seed=1), rand(1, seed=2))
    assert repr(convert(inputs, minigrad)) == repr(inputs)
    same_as_torch("jacobian", exp_adder, inputs)


def test_tutorial_jacobian_of_vector_inputs() -> None:
    same_as_torch("jacobian", exp_adder, (rand(3, seed=3), rand(3, seed=4)))


def test_tutorial_hessian_and_vjp() -> None:
    same_as_torch("hessian", pow_reducer, rand(2, 2))
    same_as_torch("vjp", do_some_doubling, torch.randn(3, generator=torch.Generator()
                                                       .manual_seed(5)),
                  v=torch.tensor([0.1, 1.0, 0.0001]))


def test_jvp_page_exp_reducer() -> None:
    kind, printed = same_as_torch("jvp", exp_reducer, rand(4, 4), v=ones(4, 4))
    assert kind == "ok" and "grad_fn" not in printed


def test_jvp_page_exp_reducer_with_create_graph() -> None:
    _, printed = same_as_torch("jvp", exp_reducer, rand(4, 4), v=ones(4, 4), create_graph=True)
    assert "grad_fn=<SumBackward1>" in printed and "grad_fn=<SqueezeBackward1>" in printed


def test_jvp_page_adder() -> None:
    _, printed = same_as_torch("jvp", adder, (rand(2), rand(2, seed=1)), v=(ones(2), ones(2)))
    assert printed.endswith("tensor([5., 5.]))")


@pytest.mark.parametrize("create_graph", [False, True])
def test_pytorch_docstring_examples(create_graph: bool) -> None:
    x = rand(4, 4)
    same_as_torch("vjp", exp_reducer, x, v=ones(4), create_graph=create_graph)
    same_as_torch("vjp", adder, (rand(2), rand(2, seed=1)), v=ones(2))
    same_as_torch("jacobian", exp_reducer, rand(2, 2), create_graph=create_graph)
    same_as_torch("jacobian", exp_adder, (rand(2), rand(2, seed=1)))
    same_as_torch("hessian", pow_reducer, rand(2, 2), create_graph=create_graph)
    same_as_torch("hessian", pow_adder_reducer, (rand(2, 2), rand(2, 2, seed=1)))
    for fn_name in ("vhp", "hvp"):
        same_as_torch(fn_name, pow_reducer, rand(2, 2), v=ones(2, 2), create_graph=create_graph)
        same_as_torch(fn_name, pow_adder_reducer, (rand(2), rand(2, seed=1)),
                      v=(torch.zeros(2), ones(2)))


# Every option -----------------------------------------------------------------------


def tuple_outputs(lib: object) -> Callable[..., object]:
    return lambda x, y: (x * y.sin(), (x * 2).sum())


def ignores_second(lib: object) -> Callable[..., object]:
    return lambda x, y: x.exp()


def constant(lib: object) -> Callable[..., object]:
    return lambda x: lib.ones(2)


def linear(lib: object) -> Callable[..., object]:
    return lambda x: 3 * x


def linear_reducer(lib: object) -> Callable[..., object]:
    return lambda x: (3 * x).sum()


def ignores_second_reducer(lib: object) -> Callable[..., object]:
    return lambda x, y: x.pow(3).sum()


# name -> (function, inputs, v for vjp, v for jvp and the Hessian products)
FUNCTIONS = {
    "exp_reducer": (exp_reducer, rand(2, 3), rand(2, seed=7), rand(2, 3, seed=8)),
    "exp_adder": (exp_adder, (rand(2), rand(2, seed=1)), rand(2, seed=7),
                  (rand(2, seed=8), rand(2, seed=9))),
    "tuple_outputs": (tuple_outputs, (rand(2), rand(2, seed=1)), (rand(2, seed=7), rand(())),
                      (rand(2, seed=8), rand(2, seed=9))),
    "ignores_second": (ignores_second, (rand(2), rand(2, seed=1)), rand(2, seed=7),
                       (rand(2, seed=8), rand(2, seed=9))),
    "constant": (constant, rand(2), rand(2, seed=7), rand(2, seed=8)),
    "linear": (linear, rand(3), rand(3, seed=7), rand(3, seed=8)),
}
SCALAR_FUNCTIONS = {
    "pow_reducer": (pow_reducer, rand(2, 2), rand(2, 2, seed=8)),
    "pow_adder_reducer": (pow_adder_reducer, (rand(2), rand(2, seed=1)),
                          (rand(2, seed=8), rand(2, seed=9))),
    "linear_reducer": (linear_reducer, rand(3), rand(3, seed=8)),
    "ignores_second_reducer": (ignores_second_reducer, (rand(2), rand(2, seed=1)),
                               (rand(2, seed=8), rand(2, seed=9))),
    "constant": (constant, rand(2), rand(2, seed=8)),
}
FLAGS = list(itertools.product([False, True], repeat=4))  # create_graph, strict, no_grad, rg
FLAG_IDS = ["".join(name for name, on in zip(("cg", "strict", "nograd", "rg"), flags) if on)
            or "plain" for flags in FLAGS]


def requiring_grad(value: object, requires_grad: bool) -> object:
    if isinstance(value, tuple):
        return tuple(requiring_grad(v, requires_grad) for v in value)
    return value.clone().requires_grad_(requires_grad)


@pytest.mark.parametrize("flags", FLAGS, ids=FLAG_IDS)
@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("fn_name", ["vjp", "jvp"])
def test_products_match_pytorch(fn_name: str, name: str, flags: tuple[bool, ...]) -> None:
    create_graph, strict, no_grad, requires_grad = flags
    func, inputs, v_out, v_in = FUNCTIONS[name]
    same_as_torch(fn_name, func, requiring_grad(inputs, requires_grad), no_grad=no_grad,
                  v=v_out if fn_name == "vjp" else v_in, create_graph=create_graph, strict=strict)


@pytest.mark.parametrize("flags", FLAGS, ids=FLAG_IDS)
@pytest.mark.parametrize("name", SCALAR_FUNCTIONS)
@pytest.mark.parametrize("fn_name", ["vhp", "hvp"])
def test_hessian_products_match_pytorch(fn_name: str, name: str, flags: tuple[bool, ...]
                                        ) -> None:
    create_graph, strict, no_grad, requires_grad = flags
    func, inputs, v = SCALAR_FUNCTIONS[name]
    same_as_torch(fn_name, func, requiring_grad(inputs, requires_grad), no_grad=no_grad, v=v,
                  create_graph=create_graph, strict=strict)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("vectorize", [False, True])
@pytest.mark.parametrize("flags", FLAGS, ids=FLAG_IDS)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_jacobian_matches_pytorch(name: str, flags: tuple[bool, ...], vectorize: bool,
                                  strategy: str) -> None:
    create_graph, strict, no_grad, requires_grad = flags
    func, inputs, _, _ = FUNCTIONS[name]
    same_as_torch("jacobian", func, requiring_grad(inputs, requires_grad), no_grad=no_grad,
                  create_graph=create_graph, strict=strict, vectorize=vectorize,
                  strategy=strategy)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("vectorize", [False, True])
@pytest.mark.parametrize("flags", FLAGS, ids=FLAG_IDS)
@pytest.mark.parametrize("name", SCALAR_FUNCTIONS)
def test_hessian_matches_pytorch(name: str, flags: tuple[bool, ...], vectorize: bool,
                                 strategy: str) -> None:
    create_graph, strict, no_grad, requires_grad = flags
    func, inputs, _ = SCALAR_FUNCTIONS[name]
    same_as_torch("hessian", func, requiring_grad(inputs, requires_grad), no_grad=no_grad,
                  create_graph=create_graph, strict=strict, vectorize=vectorize,
                  outer_jacobian_strategy=strategy)


# Validation errors ------------------------------------------------------------------


def two_outputs(lib: object) -> Callable[..., object]:
    return lambda x: (x * 2, x.sum())


def returns_list(lib: object) -> Callable[..., object]:
    return lambda x: [x * 2]


def returns_number(lib: object) -> Callable[..., object]:
    return lambda x: 3.0


def int_output(lib: object) -> Callable[..., object]:
    return lambda x: (x > 0).long()


@pytest.mark.parametrize("fn_name, func, inputs, kwargs", [
    ("vjp", exp_reducer, rand(2, 3), {"v": (ones(2), ones(2))}),
    ("vjp", two_outputs, rand(2), {"v": ones(2)}),
    ("vjp", two_outputs, rand(2), {"v": (ones(2), ones(2))}),
    ("vjp", exp_reducer, rand(2, 3), {"v": ones(3)}),
    ("vjp", exp_reducer, rand(2, 3), {}),
    ("vjp", exp_reducer, rand(2, 3), {"v": [ones(2)]}),
    ("vjp", returns_list, rand(2), {"v": ones(2)}),
    ("vjp", returns_number, rand(2), {}),
    ("vjp", exp_reducer, [rand(2, 3)], {"v": ones(2)}),
    ("vjp", exp_adder, (rand(2), 3.0), {"v": ones(2)}),
    ("jvp", exp_reducer, rand(2, 3), {}),
    ("jvp", exp_adder, (rand(2), rand(2)), {"v": ones(2)}),
    ("jvp", exp_adder, (rand(2), rand(2)), {"v": (ones(2), ones(3))}),
    ("jvp", exp_reducer, rand(2, 3), {"v": ones(3, 2)}),
    ("jvp", int_output, rand(2), {"v": ones(2)}),
    ("vhp", pow_reducer, rand(2, 2), {}),
    ("vhp", two_outputs, rand(2), {"v": ones(2)}),
    ("vhp", exp_reducer, rand(2, 3), {"v": ones(2, 3)}),
    ("hvp", pow_reducer, rand(2, 2), {"v": ones(2)}),
    ("hvp", two_outputs, rand(2), {"v": ones(2)}),
    ("hvp", pow_reducer, rand(1), {}),
    ("jacobian", exp_reducer, rand(2, 3), {"strategy": "sideways"}),
    ("jacobian", exp_reducer, rand(2, 3), {"strategy": "forward-mode"}),
    ("jacobian", exp_reducer, rand(2, 3), {"strategy": "forward-mode", "vectorize": True,
                                           "create_graph": True}),
    ("jacobian", exp_reducer, rand(2, 3), {"strategy": "forward-mode", "strict": True}),
    ("jacobian", exp_reducer, rand(2, 3), {"vectorize": True, "strict": True}),
    ("jacobian", returns_list, rand(2), {"strategy": "forward-mode", "vectorize": True}),
    ("jacobian", returns_number, rand(2), {}),
    ("hessian", pow_reducer, rand(2, 2), {"outer_jacobian_strategy": "sideways"}),
    ("hessian", exp_reducer, rand(2, 3), {}),
    ("hessian", two_outputs, rand(2), {}),
    ("hessian", returns_number, rand(2), {}),
    ("hessian", pow_reducer, rand(2, 2), {"outer_jacobian_strategy": "forward-mode"}),
])
def test_errors_match_pytorch(fn_name: str, func: Callable[[object], Callable[..., object]],
                              inputs: object, kwargs: dict[str, object]) -> None:
    same_as_torch(fn_name, func, inputs, **kwargs)


# Vectorized Jacobians -----------------------------------------------------------------


def test_vectorized_jacobian_of_a_network_matches_rows_and_pytorch() -> None:
    """200 inputs through a small network: batched, row by row, forward mode and PyTorch's
    vectorized Jacobian all agree."""
    weights = np.random.default_rng(0).standard_normal((200, 200))
    x = np.random.default_rng(1).standard_normal(200)

    def net(lib: object) -> Callable[..., object]:
        w = lib.tensor(weights)
        return lambda t: ((w @ t).tanh() * t).softmax(0).log() + t.sum() / 200

    result = functional.jacobian(net(minigrad), minigrad.tensor(x), vectorize=True)
    np.testing.assert_allclose(result.numpy(), functional.jacobian(
        net(minigrad), minigrad.tensor(x)).numpy(), atol=1e-12)
    np.testing.assert_allclose(functional.jacobian(
        net(minigrad), minigrad.tensor(x), vectorize=True, strategy="forward-mode").numpy(),
        result.numpy(), atol=1e-12)
    np.testing.assert_allclose(torch_functional.jacobian(
        net(torch), torch.tensor(x), vectorize=True).numpy(), result.numpy(), atol=1e-12)


def floating_outputs(entry: Op, lib: object) -> Callable[..., object]:
    """The table entry's op, keeping the outputs that have gradients (not max's indices)."""
    def func(*inputs: object) -> object:
        outputs = tuple(out for out in as_outputs(entry.call(lib, *inputs))
                        if out.dtype.is_floating_point)
        return outputs if len(outputs) > 1 else outputs[0]

    return func


@pytest.mark.parametrize("entry", checked("vectorized_jacobian"), ids=OP_IDS)
def test_vectorized_jacobian_of_every_op_matches_rows_and_pytorch(entry: Op) -> None:
    """One batched backward pass gives the Jacobian row-by-row passes give, and PyTorch's."""
    vectorized = functional.jacobian(floating_outputs(entry, minigrad), entry.inputs(minigrad),
                                     vectorize=True)
    rows = functional.jacobian(floating_outputs(entry, minigrad), entry.inputs(minigrad))
    reference = torch_functional.jacobian(floating_outputs(entry, torch), entry.inputs(torch),
                                          vectorize=True)
    for actual, by_rows, expected in zip(flatten(vectorized), flatten(rows), flatten(reference),
                                         strict=True):
        assert actual.shape == by_rows.shape == expected.shape
        np.testing.assert_allclose(actual.numpy(), by_rows.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(actual.numpy(), as_array(expected), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("c", CASES, ids=CASE_IDS)
def test_every_op_jacobian_three_ways(c: Case) -> None:
    """Row by row, one batched backward pass, one batched forward pass: the same Jacobian."""
    inputs = c.inputs()
    tolerance = {"rtol": 1e-6, "atol": 1e-9} if c.second_order else {"rtol": 1e-5, "atol": 1e-6}
    rows = functional.jacobian(c.op, inputs)
    for kwargs in ({"vectorize": True},
                   {"vectorize": True, "strategy": "forward-mode"}):
        other = functional.jacobian(c.op, inputs, **kwargs)
        for expected, actual in zip(flatten(rows), flatten(other)):
            assert actual.shape == expected.shape
            np.testing.assert_allclose(actual.numpy(), expected.numpy(), **tolerance)


def flatten(value: object) -> list[minigrad.Tensor]:
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in flatten(v)]
    return [value]


@pytest.mark.parametrize("c", [c for c in CASES if c.second_order], ids=lambda c: c.name)
def test_every_op_hessian_three_ways(c: Case) -> None:
    """Batched rules also hold on the graphs that backward builds (create_graph=True)."""
    inputs = c.inputs()
    weights = [minigrad.tensor(np.random.default_rng(i).standard_normal(out.shape))
               for i, out in enumerate(as_tuple(c.op(*inputs)))]

    def scalar(*args):
        return sum((out * w).sum() for out, w in zip(as_tuple(c.op(*args)), weights))

    rows = functional.hessian(scalar, inputs)
    for kwargs in ({"vectorize": True},
                   {"vectorize": True, "outer_jacobian_strategy": "forward-mode"}):
        other = functional.hessian(scalar, inputs, **kwargs)
        for expected, actual in zip(flatten(rows), flatten(other)):
            np.testing.assert_allclose(actual.detach().numpy(), expected.numpy(), rtol=1e-6,
                                       atol=1e-9)


def test_vectorized_jacobian_of_a_custom_function_runs_row_by_row() -> None:
    class Cube(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x

    x = minigrad.tensor([1.0, 2.0, 3.0])

    def func(t):
        return Cube.apply(t).sum(0, keepdim=True) * t

    np.testing.assert_allclose(functional.jacobian(func, x, vectorize=True).numpy(),
                               functional.jacobian(func, x).numpy())


def test_backward_formula_ops_run_batched_not_row_by_row() -> None:
    """The ops that backward formulas call take a whole batch in one call (their Jacobians are
    checked against row-by-row ones and PyTorch's above, through CASES and the op table)."""
    from minigrad.ops import pointwise

    broadcasting = (pointwise.TanhBackward, pointwise.SigmoidBackward,
                    pointwise.ThresholdBackward, pointwise.MulScalar, pointwise.DivScalar,
                    pointwise.SubScalar, pointwise.AddScalar, pointwise.ClampTensor)
    assert [op.__name__ for op in broadcasting
            if not getattr(op, "backward_broadcasts_over_batch", False)] == []
    # Its value's gradient is a sum, which a batch must take row by row: its own rule.
    assert callable(pointwise.MaskedFillWithTensor.backward_batched)
