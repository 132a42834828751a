"""`GraphView`, the plots and the local-derivative table, without a browser."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import minigrad
import widgets


def tutorial_d(lib: object) -> dict[str, object]:
    """The tutorial's `d = 2 * sin(a) + 1`, whose grad_fn it drills into."""
    a = lib.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
    return {"a": a, "d": 2 * lib.sin(a) + 1}


# GraphView ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lib", [minigrad, torch])
def test_graph_view_walks_next_functions_as_the_tutorial_does(lib: object) -> None:
    t = tutorial_d(lib)
    view = widgets.GraphView(t["d"], names={"a": t["a"], "d": t["d"]})
    assert [label for label, _ in view.dropdown.options] == [
        "0: AddBackward0", "1: MulBackward0", "2: SinBackward0", "3: AccumulateGrad (a)"]
    assert view.selected is t["d"].grad_fn
    assert "reached by <code>d.grad_fn</code>" in view.info_html.value
    assert "(<code>MulBackward0</code>, 0)" in view.info_html.value
    assert "None (a constant" in view.info_html.value
    # follow next_functions[0][0] twice, as the tutorial prints them
    view.follow_buttons.children[0].click()
    view.follow_buttons.children[0].click()
    assert view.selected.name() == "SinBackward0"
    assert view.path(view.selected) == "d.grad_fn.next_functions[0][0].next_functions[0][0]"
    assert "<code>_saved_self</code>" in view.info_html.value
    assert "a (25,), min 0 · mean 3.142 · max 6.283" in view.info_html.value
    assert "mg&#45;selected" in view.graph_html.value
    view.parent_button.click()
    assert view.selected.name() == "MulBackward0"
    view.dropdown.value = 3
    assert "variable (the leaf tensor)" in view.info_html.value
    assert "<code>()</code>: nothing below" in view.info_html.value


def test_graph_view_shortens_deep_paths() -> None:
    y = minigrad.ones(2, requires_grad=True)
    for _ in range(20):
        y = y * 1.0
    view = widgets.GraphView(y, root_name="y")
    assert view.path(view.nodes[-1]) == "y.grad_fn(.next_functions[0][0] × 20)"


def test_graph_view_reports_freed_saved_tensors() -> None:
    t = tutorial_d(torch)
    t["d"].sum().backward()
    view = widgets.GraphView(t["d"])
    view.dropdown.value = 2
    assert "freed by backward" in view.info_html.value


# Plots -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lib", [minigrad, torch])
def test_function_and_derivative_side_by_side(lib: object) -> None:
    x = lib.linspace(0., 2. * math.pi, steps=25)
    figure = widgets.plot_function_and_derivative(lambda v: 2 * lib.sin(v) + 1, x,
                                                  label="2 sin(x) + 1",
                                                  expected=lambda v: 2 * lib.cos(v))
    left, right = figure.axes
    np.testing.assert_allclose(left.lines[0].get_ydata(), 2 * np.sin(x.numpy()) + 1, atol=1e-6)
    autograd, by_hand = right.lines[:2]
    np.testing.assert_allclose(autograd.get_ydata(), by_hand.get_ydata(), atol=1e-6)
    assert x.grad is None  # the caller's tensor is left alone


def test_loss_plot_updates_live() -> None:
    plot = widgets.LossPlot(title="loss")
    empty = plot.value
    for loss in (minigrad.tensor(3.0), torch.tensor(2.0), 1.5):
        plot.update(loss)
    assert plot.losses == [3.0, 2.0, 1.5]
    assert plot.value != empty and bytes(plot.value).startswith(b"\x89PNG")
    assert plot._axes.get_title() == "loss: 1.5 after 3 steps"


def test_loss_plot_can_skip_redraws_that_come_too_fast() -> None:
    plot = widgets.LossPlot(min_interval_s=3600)
    before = plot.value
    plot.update(1.0)
    assert plot.value == before and plot.losses == [1.0]
    plot.redraw()
    assert plot.value != before


def test_gradient_magnitudes_per_parameter() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    model(torch.randn(8, 4)).sum().backward()
    unused = torch.zeros(2, requires_grad=True)
    figure = widgets.plot_grad_magnitudes([*model.named_parameters(), ("unused", unused)])
    axes = figure.axes[0]
    assert [t.get_text() for t in axes.get_yticklabels()] == [
        "0.weight", "0.bias", "2.weight", "2.bias", "unused"]
    norms = [float(p.grad.norm()) for _, p in model.named_parameters()]
    notes = [t.get_text() for t in axes.texts]
    assert notes == [f"{n:.3g}" for n in norms] + ["grad is None"]
    assert axes.get_xscale() == "log"


# Local derivatives -------------------------------------------------------------------------


def test_every_node_of_the_tutorial_graphs_has_a_local_derivative() -> None:
    for name in ("SinBackward0", "MulBackward0", "AddBackward0", "SumBackward0", "PowBackward0",
                 "SubBackward0", "AddmmBackward0", "ReluBackward0", "TBackward0",
                 "torch::autograd::AccumulateGrad"):
        generic = widgets.local_derivative("FancyBackward7")
        assert widgets.local_derivative(name).forward != generic.forward, name
    assert widgets.local_derivative("SinBackward0").sends == ("grad * cos(self)",)
    assert widgets.local_derivative("MulBackward0").sends == ("grad * other", "grad * self")


def test_unknown_nodes_get_a_generic_description() -> None:
    derivative = widgets.local_derivative("FancyBackward7")
    assert "vector-Jacobian product" in widgets.derivatives.sends_to(derivative, 3)
