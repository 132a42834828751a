"""The plots the notebooks need, on matplotlib: f and f' side by side, a live loss curve,
and gradient magnitudes per layer.

Figures are made with pyplot and closed at once, so a notebook shows each exactly once:
when a cell returns it (or `display(fig)`), never again at the end of the cell.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as ipw
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from widgets.tensor_text import as_numpy

__all__ = ["LossPlot", "plot_function_and_derivative", "plot_grad_magnitudes"]

FUNCTION_COLOR = "#2563eb"
DERIVATIVE_COLOR = "#dc2626"


def plot_function_and_derivative(fn: Callable[[Any], Any], x: Any, *, label: str = "f(x)",
                                 expected: Callable[[Any], Any] | None = None) -> Figure:
    """Plot `fn` on `x` and, beside it, its derivative found by autograd.

    `fn` must act element by element (like `sin` or `2 * sin(x) + 1`): the derivative is
    read from `x.grad` after `fn(x).sum().backward()`. `expected`, if given, is drawn
    dashed over it, to compare autograd with the derivative worked out by hand.
    """
    x_leaf = x.detach().clone().requires_grad_(True)
    y = fn(x_leaf)
    y.sum().backward()
    xs, ys, slopes = as_numpy(x_leaf), as_numpy(y), as_numpy(x_leaf.grad)
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2), constrained_layout=True)
    left.plot(xs, ys, color=FUNCTION_COLOR, marker=".", label=label)
    left.set_title(label)
    right.plot(xs, slopes, color=DERIVATIVE_COLOR, marker=".", label="autograd: x.grad")
    if expected is not None:
        right.plot(xs, as_numpy(expected(x.detach())), color="#111827", linestyle="--",
                   linewidth=1, label="by hand")
    right.set_title(f"derivative of {label}")
    for axes in (left, right):
        axes.axhline(0, color="#d1d5db", linewidth=0.8)
        axes.set_xlabel("x")
        axes.legend(loc="best", fontsize=8)
    plt.close(figure)
    return figure


def plot_grad_magnitudes(named_parameters: Iterable[tuple[str, Any]], *,
                         log_scale: bool = True) -> Figure:
    """A bar per parameter with the norm of its `.grad`: vanishing or exploding layers stand out.

    Takes `model.named_parameters()` (or any (name, tensor) pairs); parameters whose
    `.grad` is None are marked, since that usually means backward never reached them.
    """
    names, norms, missing = [], [], []
    for name, parameter in named_parameters:
        grad = as_numpy(parameter.grad)
        names.append(name)
        missing.append(grad is None)
        norms.append(0.0 if grad is None else float((grad.astype(float) ** 2).sum() ** 0.5))
    figure, axes = plt.subplots(figsize=(7, 0.45 * len(names) + 1.2), constrained_layout=True)
    positive = [n for n in norms if n > 0]
    use_log = log_scale and bool(positive)
    # On a log axis bars start at the left edge: put it a decade below the smallest norm.
    left = min(positive) / 10 if use_log else 0.0
    right = max(positive, default=1.0) * (4 if use_log else 1.2)
    positions = list(range(len(names)))
    axes.barh(positions, [max(n, left) - left for n in norms], left=left,
              color=["#d1d5db" if m else FUNCTION_COLOR for m in missing])
    if use_log:
        axes.set_xscale("log")
    axes.set_xlim(left, right)
    axes.set_yticks(positions, names)
    axes.invert_yaxis()
    for position, norm, is_missing in zip(positions, norms, missing):
        text = "grad is None" if is_missing else f"{norm:.3g}"
        axes.annotate(text, (max(norm, left), position), xytext=(4, 0),
                      textcoords="offset points", va="center", fontsize=8,
                      color="#6b7280" if is_missing else "#111827")
    axes.set_xlabel("‖grad‖ (L2 norm)")
    axes.set_title("gradient magnitude per parameter")
    plt.close(figure)
    return figure


class LossPlot(ipw.Image):
    """A loss curve that redraws as training runs: call `update(loss)` once per step.

    It is an image widget fed with PNGs, so it updates live in any front end without
    ipympl; `min_interval_s` skips redraws that come faster than that (call `redraw()`
    at the end to show the last point).
    """

    def __init__(self, *, title: str = "training loss", log_scale: bool = False,
                 min_interval_s: float = 0.0, figsize: tuple[float, float] = (6, 3)) -> None:
        super().__init__(format="png")
        self.losses: list[float] = []
        self.plot_title = title
        self.log_scale = log_scale
        self.min_interval_s = min_interval_s
        self._figure = Figure(figsize=figsize, constrained_layout=True)
        self._axes = self._figure.add_subplot()
        self._last_redraw = -math.inf
        self.redraw()

    def update(self, loss: Any) -> None:
        """Add one loss value (a number or a one-element tensor) and redraw when due."""
        self.losses.append(float(as_numpy(loss).item()))
        if time.monotonic() - self._last_redraw >= self.min_interval_s:
            self.redraw()

    def redraw(self) -> None:
        """Draw the curve of every loss so far into the widget."""
        self._last_redraw = time.monotonic()
        axes = self._axes
        axes.clear()
        axes.plot(range(1, len(self.losses) + 1), self.losses, color=FUNCTION_COLOR)
        if self.losses:
            latest, steps = self.losses[-1], len(self.losses)
            axes.set_title(f"{self.plot_title}: {latest:.4g} after {steps} steps")
        else:
            axes.set_title(f"{self.plot_title}: no steps yet")
        if self.log_scale and self.losses and min(self.losses) > 0:
            axes.set_yscale("log")
        axes.set_xlabel("step")
        axes.set_ylabel("loss")
        axes.grid(alpha=0.3)
        buffer = io.BytesIO()
        self._figure.savefig(buffer, format="png", dpi=90)
        self.value = buffer.getvalue()
