"""One op, one place: the profiler, the stepper and the vectorized Jacobian read the op's class."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

import minigrad
import widgets
from minigrad.autograd import functional
from minigrad.autograd.function import Function
from minigrad.autograd.profiler import _profiler_name
from minigrad.ops import pointwise, shape


def test_functional_sits_on_the_engine_not_on_the_ops() -> None:
    source = Path(functional.__file__).read_text()
    imported = {node.module for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(ast.parse(source))
                 if isinstance(node, ast.Import) for alias in node.names}
    assert not any(name and name.startswith("minigrad.ops") for name in imported)


def test_profiler_names_come_from_the_op_class() -> None:
    assert _profiler_name(pointwise.Sin) == "aten::sin"
    assert _profiler_name(pointwise.Log1p) == "aten::log1p"  # not the fallback's log1_p
    assert _profiler_name(pointwise.Clamp) == "aten::clamp"
    assert _profiler_name(pointwise.ClampMin) == "aten::clamp_min"  # overrides its family's
    assert _profiler_name(shape.SplitWithSizes) == "aten::split_with_sizes"
    assert _profiler_name(pointwise.Sgn) == "aten::sgn"  # no aten_name: named after its node


class _Cube(Function, node_name="PowerBackward0"):
    shows_forward = "result = self³"
    shows_sends = ("grad * 3 * self²",)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


class _Square(Function, node_name="PowerBackward0"):
    shows_forward = "result = self²"
    shows_sends = ("grad * 2 * self",)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x


def test_the_stepper_shows_what_the_nodes_op_class_says() -> None:
    """A learner's op shows its own text; two ops sharing a node name each show their own."""
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    cube, square = _Cube.apply(x), _Square.apply(x)
    assert cube.grad_fn.name() == square.grad_fn.name() == "PowerBackward0"
    assert widgets.local_derivative(cube.grad_fn).sends == ("grad * 3 * self²",)
    assert widgets.local_derivative(square.grad_fn).forward == "result = self²"
    # A node the kit describes, found by its op class or by its name alike.
    node = x.sin().grad_fn
    assert widgets.local_derivative(node) == widgets.local_derivative("SinBackward0")
    assert widgets.LOCAL_DERIVATIVES["SinBackward0"].forward == pointwise.Sin.shows_forward


def test_a_learners_op_with_a_batched_backward_runs_once() -> None:
    """`backward_batched` on a learner's own Function is used as the built-in ops' is."""
    calls: list[int] = []

    class Double(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            raise AssertionError("the batched rule should run instead")

        @staticmethod
        def backward_batched(ctx, grad):
            calls.append(grad.shape[0])
            return grad * 2

    x = minigrad.tensor(np.arange(3.0))
    jacobian = functional.jacobian(Double.apply, x, vectorize=True)
    np.testing.assert_array_equal(jacobian.numpy(), 2 * np.eye(3))
    assert calls == [3]
