"""`GraphView`, the plots and the local-derivative table, without a browser."""

from __future__ import annotations

import html
import math
import re

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


# Local derivatives, as the stepper shows them ------------------------------------------------

# The shown formulas use a few signs that are not Python; these turn them into PyTorch code.
MATH_TO_PYTHON = {"²": " ** 2", "ᵀ": ".T"}
FORMULA_FUNCTIONS = {"cos": torch.cos, "sin": torch.sin, "log": torch.log, "exp": torch.exp,
                     "sign": torch.sign, "outer": torch.outer}


def shown_rules(stepper: widgets.BackwardStepper) -> list[str]:
    """The rule the stepper's panel shows for each input of the current node, as displayed."""
    return [html.unescape(rule) for rule in re.findall(
        r"<td class='mg-rule'><code>(.*?)</code></td>", stepper.panel_html_widget.value)]


def step_to(stepper: widgets.BackwardStepper, node: str) -> None:
    while stepper.current is None or stepper.current.node.name() != node:
        assert stepper.step(), f"{node} never ran"


def leaf(*shape: int, positive: bool = False, seed: int = 0) -> minigrad.Tensor:
    values = np.random.default_rng(seed).uniform(-2.0, 2.0, shape)
    return minigrad.tensor(np.abs(values) + 0.5 if positive else values, requires_grad=True)


def formula_cases() -> dict[str, tuple[minigrad.Tensor, dict[str, object]]]:
    """Node name: (a result that node made, the values its formulas name)."""
    a, b = leaf(2, 3), leaf(2, 3, seed=1)
    p, q = leaf(2, 3, positive=True), leaf(2, 3, positive=True, seed=1)
    m, v, w = leaf(3, 2, seed=2), leaf(3, seed=3), leaf(3, seed=4)
    unary = {name: (getattr(minigrad, function)(x), {"self": x}) for name, function, x in (
        ("SinBackward0", "sin", a), ("CosBackward0", "cos", a), ("TanBackward0", "tan", a / 4),
        ("ExpBackward0", "exp", a), ("LogBackward0", "log", p), ("SqrtBackward0", "sqrt", p),
        ("AbsBackward0", "abs", a), ("TanhBackward0", "tanh", a),
        ("SigmoidBackward0", "sigmoid", a), ("ReluBackward0", "relu", a),
        ("NegBackward0", "neg", a), ("TBackward0", "t", a), ("CloneBackward0", "clone", a))}
    return {
        **unary,
        "AddBackward0": (minigrad.add(a, b, alpha=2.5), {"self": a, "other": b, "alpha": 2.5}),
        "SubBackward0": (minigrad.sub(a, b, alpha=1.5), {"self": a, "other": b, "alpha": 1.5}),
        "RsubBackward0": (minigrad.rsub(a, b, alpha=2.0), {"self": a, "other": b, "alpha": 2.0}),
        "RsubBackward1": (minigrad.rsub(a, 3.0, alpha=2.0), {"self": a, "alpha": 2.0}),
        "MulBackward0": (a * b, {"self": a, "other": b}),
        "DivBackward0": (a / p, {"self": a, "other": p}),
        "PowBackward0": (a ** 3, {"self": a, "exponent": 3}),
        "PowBackward1": (p ** q, {"self": p, "exponent": q}),
        "MmBackward0": (a.mm(m), {"self": a, "mat2": m}),
        "MvBackward0": (a.mv(v), {"self": a, "vec": v}),
        "DotBackward0": (v.dot(w), {"self": v, "tensor": w}),
        "SoftmaxBackward0": (v.softmax(0), {"dim": 0}),
        "LogSoftmaxBackward0": (v.log_softmax(0), {"dim": 0}),
    }


@pytest.mark.parametrize("node", formula_cases())
def test_the_shown_formula_computes_the_gradient_the_engine_sent(node: str) -> None:
    """Evaluating each formula the stepper shows for a node, on that node's values, gives
    exactly the gradient the engine sent to that input."""
    result, values = formula_cases()[node]
    weights = minigrad.tensor(np.random.default_rng(5).standard_normal(tuple(result.shape)))
    stepper = widgets.BackwardStepper((result * weights).sum())
    while stepper.current is None or stepper.current.node is not result.grad_fn:
        assert stepper.step(), f"{node} never ran"
    step = stepper.current
    assert step.node.name() == node
    names = {name: torch.tensor(value.detach().numpy()) if isinstance(value, minigrad.Tensor)
             else value for name, value in values.items()}
    names |= {"grad": torch.tensor(step.grad_outputs[0].numpy()),
              "result": torch.tensor(result.detach().numpy()), **FORMULA_FUNCTIONS}
    rules = shown_rules(stepper)
    assert len(rules) == len(step.grad_inputs)
    for rule, sent in zip(rules, step.grad_inputs):
        code = rule
        for sign, python in MATH_TO_PYTHON.items():
            code = code.replace(sign, python)
        computed = eval(code, {"__builtins__": {}}, names)
        np.testing.assert_allclose(computed.numpy(), sent.numpy(), rtol=1e-12, atol=1e-12,
                                   err_msg=f"{node}: {rule}")


def test_the_tutorials_sin_mul_and_sum_are_explained_as_written_in_the_course() -> None:
    a = minigrad.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
    stepper = widgets.BackwardStepper((2 * minigrad.sin(a)).sum(), names={"a": a})
    step_to(stepper, "SumBackward0")
    assert "result = self.sum()" in stepper.panel_html_widget.value
    assert shown_rules(stepper) == ["grad copied to every element of self"]
    step_to(stepper, "MulBackward0")
    assert "result = self * other" in stepper.panel_html_widget.value
    # 2 is a constant: no formula for it, only the tensor input's
    assert shown_rules(stepper) == ["grad * other", "nothing: no gradient needed"]
    step_to(stepper, "SinBackward0")
    assert "result = sin(self)" in stepper.panel_html_widget.value
    assert shown_rules(stepper) == ["grad * cos(self)"]


GENERIC_OP = "an op this kit has no description for"


def test_every_node_of_the_tutorial_graphs_is_described() -> None:
    torch.manual_seed(0)
    x, w = minigrad.randn(4, 3), minigrad.randn(2, 3, requires_grad=True)
    bias = minigrad.zeros(2, requires_grad=True)
    hidden = minigrad.addmm(bias, x, w.t()).relu()
    loss = ((hidden - 1) ** 2).sum() + (2 * minigrad.sin(bias) + 1).sum()
    stepper = widgets.BackwardStepper(loss)
    seen = set()
    while stepper.step():
        seen.add(stepper.current.node.name().rsplit("::", 1)[-1])
        assert GENERIC_OP not in stepper.panel_html_widget.value, stepper.current.node.name()
    assert {"SinBackward0", "MulBackward0", "AddBackward0", "SumBackward0", "PowBackward0",
            "SubBackward0", "AddmmBackward0", "ReluBackward0", "TBackward0",
            "AccumulateGrad"} <= seen


class Fancy(minigrad.autograd.Function):
    """An op the kit cannot know: the stepper must still say what its node does."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 2


def test_unknown_nodes_get_a_generic_description() -> None:
    x = minigrad.ones(3, requires_grad=True)
    stepper = widgets.BackwardStepper(Fancy.apply(x).sum())
    step_to(stepper, "FancyBackward")
    assert GENERIC_OP in stepper.panel_html_widget.value
    assert "vector-Jacobian product" in shown_rules(stepper)[0]
