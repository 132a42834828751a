"""`widgets.BackwardStepper`: it runs the real engine, in PyTorch's order, and rewinds exactly.

Everything here runs without a browser: `button.click()` calls the widget's callbacks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from types import ModuleType

import numpy as np
import pytest
import torch

import minigrad
import widgets


def sin_example(lib: ModuleType) -> dict[str, object]:
    """The tutorial's first graph: out = (2 * sin(a) + 1).sum()."""
    a = lib.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
    b = lib.sin(a)
    return {"a": a, "b": b, "out": (2 * b + 1).sum()}


def tiny_model_loss(lib: ModuleType) -> tuple[object, list[tuple[str, object]]]:
    """The tutorial's TinyModel and its squared-error loss, with the same weights in both."""
    torch.manual_seed(0)
    layer1, layer2 = torch.nn.Linear(1000, 100), torch.nn.Linear(100, 10)
    x, ideal = torch.randn(16, 1000), torch.randn(16, 10)
    params = {"layer1.weight": layer1.weight, "layer1.bias": layer1.bias,
              "layer2.weight": layer2.weight, "layer2.bias": layer2.bias}
    if lib is minigrad:
        params = {name: minigrad.tensor(value.detach().numpy()).requires_grad_()
                  for name, value in params.items()}
        x, ideal = minigrad.tensor(x.numpy()), minigrad.tensor(ideal.numpy())
    hidden = lib.addmm(params["layer1.bias"], x, params["layer1.weight"].t()).relu()
    prediction = lib.addmm(params["layer2.bias"], hidden, params["layer2.weight"].t())
    return (ideal - prediction).pow(2).sum(), list(params.items())


def torch_execution_order(loss: torch.Tensor, names: dict[int, str]) -> list[str]:
    """The nodes PyTorch's own engine runs, in order (leaves by name), seen through prehooks."""
    order: list[str] = []
    stack, seen = [loss.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        label = names[id(node.variable)] if hasattr(node, "variable") else node.name()
        node.register_prehook(lambda grads, label=label: order.append(label))
        stack.extend(child for child, _ in node.next_functions)
    loss.backward()
    return order


def stepper_order(stepper: widgets.BackwardStepper, names: dict[int, str]) -> list[str]:
    return [names[id(r.step.leaf)] if r.step.leaf is not None else r.step.node.name()
            for r in stepper.steps]


def grads_of(leaves: list[tuple[str, object]]) -> dict[str, np.ndarray | None]:
    return {name: None if t.grad is None else t.grad.detach().numpy().copy()
            for name, t in leaves}


def assert_same_grads(got: dict[str, np.ndarray | None],
                      want: dict[str, np.ndarray | None]) -> None:
    assert got.keys() == want.keys()
    for name in want:
        if want[name] is None:
            assert got[name] is None, name
        else:
            np.testing.assert_allclose(got[name], want[name], rtol=1e-5, atol=1e-5,
                                       err_msg=name)


def sin_loss(lib: ModuleType) -> tuple[object, list[tuple[str, object]]]:
    t = sin_example(lib)
    return t["out"], [("a", t["a"])]


def twice_loss(lib: ModuleType) -> tuple[object, list[tuple[str, object]]]:
    x = lib.tensor([3.0], requires_grad=True)
    return (x * x + x.sin()).sum(), [("x", x)]


@pytest.mark.parametrize("build", [sin_loss, twice_loss, tiny_model_loss])
def test_stepper_runs_nodes_in_pytorchs_order_to_the_same_grads(build: Callable) -> None:
    mini_loss, mini_named = build(minigrad)
    torch_loss, torch_named = build(torch)
    stepper = widgets.BackwardStepper(mini_loss, names=mini_named)
    stepper.run()
    mini_names = {id(t): n for n, t in mini_named}
    torch_names = {id(t): n for n, t in torch_named}
    order = torch_execution_order(torch_loss, torch_names)
    assert stepper_order(stepper, mini_names) == order
    assert stepper.total_steps == len(order)
    assert_same_grads(grads_of(mini_named), grads_of(torch_named))


def test_sin_example_steps_and_gradients_match_a_plain_backward() -> None:
    t = sin_example(minigrad)
    stepper = widgets.BackwardStepper(t["out"], names={"a": t["a"]})
    names = []
    while stepper.step():
        names.append(stepper.current.node.name().rsplit("::")[-1])
    assert names == ["SumBackward0", "AddBackward0", "MulBackward0", "SinBackward0",
                     "AccumulateGrad"]
    assert stepper.done and stepper.position == stepper.total_steps == 5
    assert not stepper.step()
    # what each node sent, step by step: ones, ones, 2 * ones, 2 * cos(a)
    sent = [r.step.grad_inputs for r in stepper.steps]
    np.testing.assert_allclose(sent[2][0].numpy(), np.full(25, 2.0))
    assert sent[2][1] is None  # nothing flows to the constant 2
    np.testing.assert_allclose(sent[3][0].numpy(), 2 * np.cos(t["a"].detach().numpy()),
                               atol=1e-6)
    reference = sin_example(minigrad)
    reference["out"].backward()
    np.testing.assert_array_equal(t["a"].grad.numpy(), reference["a"].grad.numpy())


def test_back_rewinds_the_picture_and_the_leaf_grads() -> None:
    t = sin_example(minigrad)
    stepper = widgets.BackwardStepper(t["out"], names={"a": t["a"]})
    stepper.run()
    final = t["a"].grad.numpy().copy()
    assert ">‖grad‖ = 7.211<" in stepper.graph_html.value  # in a's box
    assert "<code>[2, 1.932, 1.732, …, 2]</code>" in stepper.panel_html_widget.value
    assert stepper.back()
    assert t["a"].grad is None
    assert stepper.current.node.name() == "SinBackward0"
    assert ">grad = None<" in stepper.graph_html.value
    assert "mg&#45;current" in stepper.graph_html.value
    while stepper.back():
        pass
    assert stepper.position == 0 and stepper.current is None
    assert "Ready" in stepper.panel_html_widget.value
    # stepping forward again replays the recorded steps and gives the same grads
    stepper.run()
    np.testing.assert_array_equal(t["a"].grad.numpy(), final)


def test_reset_restores_earlier_grads_and_a_rerun_accumulates_like_backward() -> None:
    t = sin_example(minigrad)
    t["a"].grad = minigrad.ones(25)  # a gradient left from an earlier backward
    stepper = widgets.BackwardStepper(t["out"], names={"a": t["a"]})
    stepper.run()
    after_one_pass = t["a"].grad.numpy().copy()
    np.testing.assert_allclose(after_one_pass, 1 + 2 * np.cos(t["a"].detach().numpy()),
                               atol=1e-6)
    stepper.reset()
    np.testing.assert_array_equal(t["a"].grad.numpy(), np.ones(25))
    assert stepper.steps == [] and stepper.position == 0
    stepper.run()  # the graph was retained, so a fresh pass runs again
    np.testing.assert_array_equal(t["a"].grad.numpy(), after_one_pass)
    t["out"].backward()  # and the learner can still call backward() on it
    np.testing.assert_allclose(t["a"].grad.numpy(), 1 + 4 * np.cos(t["a"].detach().numpy()),
                               atol=1e-5)


def test_the_layout_stays_put_while_stepping() -> None:
    loss, named = tiny_model_loss(minigrad)
    stepper = widgets.BackwardStepper(loss, names=named)
    box = re.compile(r'<title>(n\d+)</title>\n<(?:polygon|path) fill="[^"]*" stroke="[^"]*"'
                     r'(?: stroke-width="[^"]*")? (?:points|d)="([^"]+)"')
    before = dict(box.findall(stepper.svg()))
    assert len(before) == 13
    while stepper.step():
        assert dict(box.findall(stepper.svg())) == before, f"step {stepper.position}"


def test_a_leaf_used_twice_receives_two_contributions() -> None:
    x = minigrad.tensor([3.0], requires_grad=True)
    y = x * x
    stepper = widgets.BackwardStepper(y, names={"x": x, "y": y})
    stepper.step()  # MulBackward0 sends grad * other and grad * self, both to x
    assert [(n.name(), i, g.item()) for n, i, g in stepper.contributions(x)] == \
        [("MulBackward0", 0, 3.0), ("MulBackward0", 1, 3.0)]
    assert x.grad is None  # the engine adds them up before x's AccumulateGrad runs
    assert stepper.graph_html.value.count(">[3]</text>") == 2  # on both edges
    stepper.step()
    assert x.grad.item() == 6.0
    assert ">grad = [6]<" in stepper.graph_html.value
    panel = stepper.panel_html_widget.value
    assert "2 contributions arrived" in panel and "the engine summed them" in panel
    assert "tensor([6.])" in panel


def test_a_leaf_used_by_two_ops_shows_each_contribution() -> None:
    x = minigrad.tensor([3.0], requires_grad=True)
    y = x * x + x.sin()
    stepper = widgets.BackwardStepper(y, names={"x": x})
    stepper.run()
    assert [(n.name(), i) for n, i, _ in stepper.contributions(x)] == \
        [("SinBackward0", 0), ("MulBackward0", 0), ("MulBackward0", 1)]
    assert x.grad.item() == pytest.approx(6 + math.cos(3.0))
    assert "3 contributions arrived" in stepper.panel_html_widget.value


def test_buttons_slider_and_play_drive_the_same_steps() -> None:
    t = sin_example(minigrad)
    stepper = widgets.BackwardStepper(t["out"], names={"a": t["a"]})
    assert stepper.back_button.disabled and not stepper.step_button.disabled
    stepper.step_button.click()
    stepper.step_button.click()
    assert stepper.position == 2 and stepper.slider.value == 2 and stepper.play.value == 2
    stepper.back_button.click()
    assert stepper.position == 1
    stepper.slider.value = 5  # runs the engine as far as needed
    assert stepper.done and stepper.step_button.disabled and t["a"].grad is not None
    stepper.play.value = 3  # a Play tick moves the slider, which moves the stepper
    assert stepper.position == 3 and t["a"].grad is None
    stepper.speed.value = 300
    assert stepper.play.interval == 300
    stepper.reset_button.click()
    assert stepper.position == 0 and stepper.slider.value == 0


def test_panel_explains_the_current_node() -> None:
    t = sin_example(minigrad)
    stepper = widgets.BackwardStepper(t["out"], names={"a": t["a"]})
    stepper.go_to(4)  # SinBackward0
    panel = stepper.panel_html_widget.value
    assert "Step 4 of 5" in panel and "SinBackward0" in panel
    assert "result = sin(self)" in panel and "grad * cos(self)" in panel
    assert "AccumulateGrad</code> (a)" in panel


def test_non_scalar_output_with_a_gradient_as_in_the_tutorial() -> None:
    x = minigrad.tensor([1.0, -2.0, 0.5], requires_grad=True)
    y = x * 2
    for _ in range(9):
        y = y * 2
    v = minigrad.tensor([0.1, 1.0, 0.0001])
    stepper = widgets.BackwardStepper(y, gradient=v, names={"x": x})
    stepper.run()
    np.testing.assert_allclose(x.grad.numpy(), [102.4, 1024.0, 0.1024], rtol=1e-5)


def test_an_engine_error_is_shown_in_the_panel() -> None:
    t = sin_example(minigrad)
    t["out"].backward()  # frees the saved tensors
    stepper = widgets.BackwardStepper(t["out"])
    # Sum and Add need nothing saved; Mul saved its number (`tensor(2)`), as PyTorch's does.
    for _ in range(3):
        stepper.step_button.click()
    assert "The engine raised an error" in stepper.panel_html_widget.value
    assert "retain_graph=True" in stepper.panel_html_widget.value
    assert stepper.position == 2 and stepper.step_button.disabled


def test_stepper_needs_a_minigrad_tensor_that_requires_grad() -> None:
    with pytest.raises(TypeError, match="minigrad tensor"):
        widgets.BackwardStepper(torch.ones(1, requires_grad=True).sum())
    with pytest.raises(RuntimeError, match="does not require grad"):
        widgets.BackwardStepper(minigrad.ones(1))


def test_a_later_backward_without_retain_graph_cannot_break_the_stepper() -> None:
    # 04 after Run All: the stepper's cell, then a cell that calls backward on the same graph.
    t = sin_example(minigrad)
    stepper = widgets.BackwardStepper(t["out"], names={"a": t["a"]})
    stepper.step()
    stepper.step()
    t["out"].backward()  # frees the saved values the remaining steps need
    with pytest.raises(RuntimeError, match="second time"):
        t["out"].backward()  # the learner's own graph behaves as PyTorch's
    stepper.step_button.click()
    stepper.run()
    assert stepper.done and "error" not in stepper.panel_html_widget.value
    stepper.reset_button.click()
    stepper.run()
    np.testing.assert_allclose(t["a"].grad.numpy(), 2 * np.cos(t["a"].detach().numpy()),
                               rtol=1e-5, atol=1e-6)


def test_reset_after_an_engine_error_starts_the_pass_again() -> None:
    t = sin_example(minigrad)
    t["out"].backward()  # freed before the stepper saw the graph: nothing to keep
    stepper = widgets.BackwardStepper(t["out"])
    stepper.slider.value = 4  # as the learner drags it: the error shows in the panel
    assert "The engine raised an error" in stepper.panel_html_widget.value
    stepper.reset_button.click()
    assert stepper.position == 0 and not stepper.step_button.disabled
    assert "Ready" in stepper.panel_html_widget.value


def test_the_picture_cache_stays_within_its_byte_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    loss, names = tiny_model_loss(minigrad)
    stepper = widgets.BackwardStepper(loss, names=names)
    one_picture = len(stepper.svg())
    monkeypatch.setattr(widgets.stepper, "CACHE_BYTES", 3 * one_picture)
    stepper.run()
    assert stepper.cache_bytes <= 3 * one_picture
    assert len(stepper._svg_by_position) <= 3
    stepper.go_to(0)  # evicted long ago: drawn again, the same picture
    first_picture = stepper.graph_html.value
    stepper.reset()
    assert stepper.graph_html.value == first_picture
