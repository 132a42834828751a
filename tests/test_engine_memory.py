"""What the backward pass keeps and lets go of: saved values, and the arrays `.grad` takes over."""

from __future__ import annotations

import weakref

import numpy as np

import minigrad
from minigrad.autograd import Function


def _graph_with_saved_arrays() -> tuple[minigrad.Tensor, list[weakref.ref]]:
    """sum(sin(exp(x) * w)): Exp keeps its result, Mul and Sin keep their inputs."""
    x = minigrad.rand(4, 3, requires_grad=True)
    w = minigrad.rand(4, 3, requires_grad=True)
    e = x.exp()
    p = e * w
    s = p.sin()
    refs = [weakref.ref(e._data), weakref.ref(p._data)]
    return s.sum(), refs


def test_saved_intermediates_are_freed_by_backward() -> None:
    loss, refs = _graph_with_saved_arrays()
    assert all(ref() is not None for ref in refs)
    loss.backward()
    # No garbage collection: the arrays go as soon as the nodes drop them (no reference cycles).
    assert [ref() for ref in refs] == [None, None]


def test_retain_graph_keeps_saved_intermediates() -> None:
    loss, refs = _graph_with_saved_arrays()
    loss.backward(retain_graph=True)
    assert all(ref() is not None for ref in refs)
    loss.backward()
    assert [ref() for ref in refs] == [None, None]


def test_a_gradient_passed_to_two_leaves_is_not_shared() -> None:
    a = minigrad.ones(3, requires_grad=True)
    b = minigrad.ones(3, requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    (a + b).sum().backward()
    assert a.grad.tolist() == b.grad.tolist() == [2.0, 2.0, 2.0]


def test_a_given_gradient_is_copied_into_grad() -> None:
    x = minigrad.ones(3, requires_grad=True)
    given = minigrad.tensor([1.0, 2.0, 3.0])
    x.backward(given)
    x.backward(given)
    assert given.tolist() == [1.0, 2.0, 3.0]
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


class _ReturnsSavedInput(Function):
    """A custom op whose backward hands back a saved input's own tensor as the gradient."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(y)
        return x._data * 1

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y, None


def test_a_saved_tensor_returned_as_gradient_is_copied() -> None:
    x = minigrad.zeros(3, requires_grad=True)
    y = minigrad.tensor([1.0, 2.0, 3.0])
    _ReturnsSavedInput.apply(x, y).sum().backward()
    _ReturnsSavedInput.apply(x, y).sum().backward()
    assert y.tolist() == [1.0, 2.0, 3.0]
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


def test_grad_taken_over_from_a_fresh_sum_is_owned_by_the_leaf() -> None:
    """The bias gradient is a fresh sum that `.grad` may take over; it must still accumulate
    in place without touching anything else, and later passes must add to it."""
    bias = minigrad.zeros(3, requires_grad=True)
    ones = minigrad.ones(5, 3)
    (ones + bias).sum().backward()
    assert bias.grad.tolist() == [5.0, 5.0, 5.0]
    first = bias.grad
    (ones + bias).sum().backward()
    assert bias.grad.tolist() == [10.0, 10.0, 10.0]
    assert ones.tolist() == minigrad.ones(5, 3).tolist()
    assert first.tolist() == [10.0, 10.0, 10.0]  # accumulated in place, as PyTorch does


def test_a_stepped_through_pass_keeps_what_each_step_sent() -> None:
    """A consumer of backward_steps (the stepper widget) holds each step's gradients: `.grad`
    must not share their memory, or accumulating later would rewrite what a step showed."""
    bias = minigrad.zeros(3, requires_grad=True)
    out = (minigrad.ones(5, 3) + bias).sum()
    steps = list(minigrad.autograd.backward_steps(out, retain_graph=True))
    assert steps[-1].leaf is bias
    assert bias.grad.tolist() == [5.0, 5.0, 5.0]
    held = [g for step in steps for g in (*step.grad_outputs, *step.grad_inputs)
            if g is not None]
    assert all(not np.shares_memory(g.numpy(), bias.grad.numpy()) for g in held)
    recorded = [g.tolist() for g in held]
    out.backward()
    assert bias.grad.tolist() == [10.0, 10.0, 10.0]
    assert [g.tolist() for g in held] == recorded


def test_assigning_data_of_another_shape_gives_new_graphs_the_new_shape() -> None:
    x = minigrad.ones(3, requires_grad=True)
    (x * 2).sum().backward()
    x.data = minigrad.ones(2, 3)
    x.grad = None
    (x * minigrad.ones(3)).sum().backward()
    assert x.grad.shape == (2, 3)
