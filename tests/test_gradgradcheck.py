"""`gradgradcheck`: second derivatives of every op against finite differences of first ones."""

from __future__ import annotations

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


def test_agrees_with_pytorch_on_a_small_network() -> None:
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in ((3, 4), (4, 2), (2,))]

    def net(x, w, b):
        return ((x @ w + b).relu() * (x @ w).sigmoid()).log_softmax(-1)

    torch_inputs = tuple(torch.tensor(a, requires_grad=True) for a in arrays)
    mini_inputs = tuple(minigrad.tensor(a, requires_grad=True) for a in arrays)
    assert torch.autograd.gradgradcheck(net, torch_inputs)
    assert gradgradcheck(net, mini_inputs)
    assert minigrad.autograd.gradgradcheck is gradgradcheck
