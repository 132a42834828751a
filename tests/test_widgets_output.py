"""What a notebook stores and shows: static fallbacks in every mimebundle, drawings that fit a
cell, and a loss curve fast enough to redraw every step.

JupyterLab renders an untrusted notebook's output only with a safe renderer (the widget view
and SVG are not safe, PNG is), and GitHub and nbconvert cannot run widgets: each output must
carry a PNG beside its live view, or the page shows `<GraphDrawing at 0x…>`.
"""

from __future__ import annotations

import base64
import math
import time

import minigrad
import widgets
from minigrad import nn
from widgets.render import FIT_WIDTH_PX, WIDGET_MIMETYPE, svg_width_px

PNG_MAGIC = b"\x89PNG"


def sin_example() -> tuple[minigrad.Tensor, dict[str, minigrad.Tensor]]:
    """The tutorial's out = (2 * sin(a) + 1).sum()."""
    a = minigrad.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
    return (2 * minigrad.sin(a) + 1).sum(), {"a": a}


def tiny_model_loss() -> tuple[minigrad.Tensor, list[tuple[str, minigrad.Tensor]]]:
    """03's TinyModel (1000 -> 100 -> 10) and its loss: the graph drawn 1616 px wide before."""
    minigrad.manual_seed(0)
    model = nn.Sequential()
    model.layer1, model.relu, model.layer2 = nn.Linear(1000, 100), nn.ReLU(), nn.Linear(100, 10)
    loss = (minigrad.randn(16, 10) - model(minigrad.randn(16, 1000))).pow(2).sum()
    return loss, list(model.named_parameters())


def png_of(data: dict[str, object]) -> bytes:
    return base64.b64decode(data["image/png"])


def test_a_drawing_carries_svg_png_and_a_plain_line() -> None:
    loss, names = sin_example()
    data, metadata = widgets.draw(loss, names=names)._repr_mimebundle_()
    assert data["image/svg+xml"].startswith("<svg")
    assert png_of(data).startswith(PNG_MAGIC)
    assert metadata["image/png"]["width"] <= FIT_WIDTH_PX
    assert "GraphDrawing" not in data["text/plain"] and "0x" not in data["text/plain"]


def test_wide_drawings_fit_the_cell() -> None:
    loss, names = tiny_model_loss()
    drawing = widgets.draw(loss, names=names)
    assert svg_width_px(drawing.svg()) > FIT_WIDTH_PX  # left to right it is too wide
    assert svg_width_px(drawing._repr_image_svg_xml()) <= FIT_WIDTH_PX
    assert "rankdir=TB" in drawing.shown().source  # shown top to bottom instead
    loss, names = sin_example()
    values_and_grads = widgets.draw(loss, names=names, values=True, grads=True)
    assert svg_width_px(values_and_grads._repr_image_svg_xml()) <= FIT_WIDTH_PX
    assert widgets.draw(loss, rankdir="LR").shown().source.count("rankdir=LR") == 1


def test_the_stepper_carries_its_current_picture() -> None:
    loss, names = sin_example()
    stepper = widgets.BackwardStepper(loss, names=names)
    stepper.step()
    data, metadata = stepper._repr_mimebundle_()
    assert data[WIDGET_MIMETYPE]["model_id"] == stepper.model_id
    assert png_of(data).startswith(PNG_MAGIC)
    assert "BackwardStepper(children" not in data["text/plain"]
    assert metadata["image/png"]["width"] <= FIT_WIDTH_PX


def test_graph_view_and_loss_plot_carry_pictures() -> None:
    loss, names = sin_example()
    data, _ = widgets.GraphView(loss, names=names)._repr_mimebundle_()
    assert WIDGET_MIMETYPE in data and png_of(data).startswith(PNG_MAGIC)
    plot = widgets.LossPlot()
    plot.update(2.0)
    data, _ = plot._repr_mimebundle_()
    assert WIDGET_MIMETYPE in data and png_of(data) == bytes(plot.value)


def test_a_loss_plot_counts_every_update() -> None:
    """How long an update takes is measured in `benchmarks/bench_widgets.py`, not here."""
    plot = widgets.LossPlot(log_scale=True)
    for step in range(60):
        plot.update(10 / (step + 1))
    assert plot._axes.get_title().endswith("after 60 steps")


def test_the_throttle_counts_from_the_end_of_a_redraw_and_draws_the_last_point() -> None:
    plot = widgets.LossPlot(min_interval_s=0.3)
    plot.update(3.0)  # due at once: drawn
    drawn = plot.value
    plot.update(2.0)  # within the pause: waits
    plot.update(1.0)
    assert plot.value == drawn
    deadline = time.monotonic() + 5
    while plot.value == drawn and time.monotonic() < deadline:
        time.sleep(0.05)
    assert plot._axes.get_title() == "training loss: 1 after 3 steps"
