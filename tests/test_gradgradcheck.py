"""`gradgradcheck`: second derivatives of every op against finite differences of first ones."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch
from test_forward_ad import CASES, Case

import minigrad
from minigrad.autograd import Function, gradcheck, gradgradcheck
from minigrad.autograd.gradcheck import GradcheckError


@pytest.mark.parametrize("c", [c for c in CASES if c.second_order], ids=lambda c: c.name)
def test_every_op_passes_gradgradcheck(c: Case) -> None:
    inputs = tuple(x.requires_grad_() for x in c.inputs())
    assert gradgradcheck(c.op, inputs)


class SquareWithFrozenBackward(Function):
    """x², whose backward is right but built from a constant copy of x: no second derivative."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._data ** 2

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x.detach()


def test_a_wrong_second_derivative_is_caught() -> None:
    x = minigrad.tensor([0.5, -1.5, 2.0], dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(SquareWithFrozenBackward.apply, x)
    assert not gradgradcheck(SquareWithFrozenBackward.apply, x, raise_exception=False)
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradgradcheck(SquareWithFrozenBackward.apply, x)


def test_given_grad_outputs_are_checked_too() -> None:
    rng = np.random.default_rng(0)
    a = minigrad.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = minigrad.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    grad_out = minigrad.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    assert gradgradcheck(lambda x, y: (x @ y).tanh(), [a, b], [grad_out])
    assert gradgradcheck(lambda x, y: ((x @ y).sigmoid(), x.exp()), (a, b))


def square_with_frozen_backward(lib: ModuleType) -> Callable[..., Any]:
    """x², whose backward is right but built from a detached x: no second derivative."""
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x.detach()

    return Square.apply


def square_with_wrong_backward(lib: ModuleType) -> Callable[..., Any]:
    """x² with 3x as its derivative: wrong, but consistently differentiable, so the second
    derivatives of that backward are right and gradgradcheck (unlike gradcheck) passes."""
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x

    return Square.apply


def sin_with_wrong_second_derivative(lib: ModuleType) -> Callable[..., Any]:
    """sin, whose backward uses a cos whose own backward has the wrong sign."""
    class Cos(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.cos()

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x.sin()

    class Sin(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin()

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * Cos.apply(x)

    return Sin.apply


def small_network(lib: ModuleType) -> Callable[..., Any]:
    return lambda x, w, b: ((x @ w + b).relu() * (x @ w).sigmoid()).log_softmax(-1)


def tanh_of_product(lib: ModuleType) -> Callable[..., Any]:
    return lambda x, y: ((x @ y).tanh(), x.exp())


# name: (the function, built in either library; input shapes; what PyTorch's check says)
AGAINST_PYTORCH = {
    "small_network": (small_network, ((3, 4), (4, 2), (2,)), True),
    "tanh_of_product": (tanh_of_product, ((2, 3), (3, 2)), True),
    "square_with_wrong_backward": (square_with_wrong_backward, ((3,),), True),
    "square_with_frozen_backward": (square_with_frozen_backward, ((3,),), False),
    "sin_with_wrong_second_derivative": (sin_with_wrong_second_derivative, ((2, 3),), False),
}


@pytest.mark.parametrize("name", AGAINST_PYTORCH)
def test_passes_and_fails_where_pytorchs_does(name: str) -> None:
    make, shapes, pytorch_passes = AGAINST_PYTORCH[name]
    rng = np.random.default_rng(1)
    arrays = [rng.uniform(-2.0, 2.0, shape) for shape in shapes]
    torch_inputs = tuple(torch.tensor(a, requires_grad=True) for a in arrays)
    mini_inputs = tuple(minigrad.tensor(a, requires_grad=True) for a in arrays)
    assert torch.autograd.gradgradcheck(make(torch), torch_inputs,
                                        raise_exception=False) is pytorch_passes
    assert minigrad.autograd.gradgradcheck(make(minigrad), mini_inputs,
                                           raise_exception=False) is pytorch_passes
