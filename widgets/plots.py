"""The plots the notebooks need, on matplotlib: f and f' side by side, a live loss curve,
and gradient magnitudes per layer.

Figures are made with pyplot and closed at once, so a notebook shows each exactly once:
when a cell returns it (or `display(fig)`), never again at the end of the cell.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as ipw
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager, ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from widgets.i18n import get_language, text
from widgets.render import widget_bundle
from widgets.tensor_text import as_numpy

__all__ = ["LossPlot", "plot_function_and_derivative", "plot_grad_magnitudes"]

FUNCTION_COLOR = "#2563eb"
DERIVATIVE_COLOR = "#dc2626"
# Fonts with Chinese glyphs, tried in this order when the language is zh.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "Microsoft YaHei", "PingFang SC", "SimHei")


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
    with _cjk_fonts():
        figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2), constrained_layout=True)
        left.plot(xs, ys, color=FUNCTION_COLOR, marker=".", label=label)
        left.set_title(label)
        right.plot(xs, slopes, color=DERIVATIVE_COLOR, marker=".", label="autograd: x.grad")
        if expected is not None:
            right.plot(xs, as_numpy(expected(x.detach())), color="#111827", linestyle="--",
                       linewidth=1, label=text("plot.by_hand"))
        right.set_title(text("plot.derivative_of", label=label))
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
    with _cjk_fonts():
        figure = _magnitudes_figure(names, norms, missing, log_scale)
    plt.close(figure)
    return figure


def _magnitudes_figure(names: list[str], norms: list[float], missing: list[bool],
                       log_scale: bool) -> Figure:
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
        note = text("plot.grad_none") if is_missing else f"{norm:.3g}"
        axes.annotate(note, (max(norm, left), position), xytext=(4, 0),
                      textcoords="offset points", va="center", fontsize=8,
                      color="#6b7280" if is_missing else "#111827")
    axes.set_xlabel(text("plot.norm"))
    axes.set_title(text("plot.magnitudes"))
    return figure


class LossPlot(ipw.Image):
    """A loss curve that redraws as training runs: call `update(loss)` once per step.

    It is an image widget fed with PNGs, so it updates live in any front end without
    ipympl. An update moves the one line's data and re-renders the same figure (no new
    figure, no layout pass), well under 50 ms. `min_interval_s` is the pause after the end
    of one redraw before the next; an update that comes sooner is drawn when the pause is
    over, so the last point always shows.
    """

    def __init__(self, *, title: str | None = None, log_scale: bool = False,
                 min_interval_s: float = 0.0, figsize: tuple[float, float] = (6, 3)) -> None:
        super().__init__(format="png")
        self.losses: list[float] = []
        self.plot_title = title if title is not None else text("plot.loss_title")
        self.log_scale = log_scale
        self.min_interval_s = min_interval_s
        with _cjk_fonts():
            self._figure = Figure(figsize=figsize, dpi=90)
            FigureCanvasAgg(self._figure)
            self._axes = self._figure.add_subplot()
            (self._line,) = self._axes.plot([], [], color=FUNCTION_COLOR, animated=True)
            # A title as tall as the real ones, so the layout leaves room for them.
            self._title = self._axes.set_title(text("plot.no_steps", title=self.plot_title),
                                               animated=True)
            self._axes.set_xlabel(text("plot.step"))
            self._axes.set_ylabel(text("plot.loss"))
            self._axes.grid(alpha=0.3)
            self._figure.tight_layout()
        self._background: Any = None
        self._lock = threading.Lock()
        self._drawn_count = -1
        self._last_redraw_end = -math.inf
        self._pending: threading.Timer | None = None
        self.redraw()

    def update(self, loss: Any) -> None:
        """Add one loss value (a number or a one-element tensor) and redraw when due."""
        self.losses.append(float(as_numpy(loss).item()))
        wait = self._last_redraw_end + self.min_interval_s - time.monotonic()
        if wait <= 0:
            self.redraw()
        elif self._pending is None:
            # Draw the latest state once the pause is over, even if no update follows.
            self._pending = threading.Timer(wait, self._redraw_if_stale)
            self._pending.daemon = True
            self._pending.start()

    def _redraw_if_stale(self) -> None:
        self._pending = None
        if self._drawn_count != len(self.losses):
            self.redraw()

    def redraw(self) -> None:
        """Draw the curve of every loss so far into the widget."""
        with self._lock, _cjk_fonts():
            count = len(self.losses)
            values = self.losses[:count]
            self._line.set_data(range(1, count + 1), values)
            if count:
                self._title.set_text(text("plot.loss_after", title=self.plot_title,
                                          loss=f"{values[-1]:.4g}", steps=count))
                self._fit_axes(count, min(values), max(values))
            else:
                self._title.set_text(text("plot.no_steps", title=self.plot_title))
            self.value = self._png()
            self._drawn_count = count
            self._last_redraw_end = time.monotonic()

    def _fit_axes(self, count: int, low: float, high: float) -> None:
        """Widen the axes when the curve leaves them; otherwise they (and their ticks) stay."""
        axes = self._axes
        scale = "log" if self.log_scale and low > 0 else "linear"
        if axes.get_yscale() != scale:
            self._set_yscale(scale)
            self._background = None
        # The x axis grows in powers of two, so it changes a handful of times in a run.
        steps = max(8, 1 << (count - 1).bit_length())
        bottom, top = axes.get_ylim()
        if self._background is None or axes.get_xlim()[1] < count or not bottom <= low \
                or not high <= top:
            if scale == "log":
                bottom, top = low / 2, high * 1.5
            else:
                span = (high - low) or abs(high) or 1.0
                bottom, top = low - 0.25 * span, high + 0.05 * span
            axes.set_xlim(0, steps)
            axes.set_ylim(bottom, top)
            self._background = None

    def _png(self) -> bytes:
        """Render the figure and encode it fast.

        The axes, ticks and grid are drawn once and kept as a bitmap until the limits change;
        an update draws only the line and the title over it.
        """
        canvas = self._figure.canvas
        if self._background is None:
            canvas.draw()  # everything but the animated line and title
            self._background = canvas.copy_from_bbox(self._figure.bbox)
        else:
            canvas.restore_region(self._background)
        self._axes.draw_artist(self._line)
        self._figure.draw_artist(self._title)
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png",
                                                                compress_level=1)
        return buffer.getvalue()

    def _set_yscale(self, scale: str) -> None:
        self._axes.set_yscale(scale)
        if scale == "log":
            # Plain tick labels: the default ones are mathtext ($10^{-1}$), parsed at every
            # redraw, which made one update cost half a second.
            self._axes.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
            self._axes.yaxis.set_minor_formatter(ticker.NullFormatter())

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The live widget, with the curve as a PNG for views without a kernel."""
        return widget_bundle(self, text("plot.plain", steps=len(self.losses)),
                             bytes(self.value))


def _cjk_fonts() -> Any:
    """Matplotlib settings that draw Chinese labels with a CJK font, when one is installed."""
    if get_language() != "zh":
        return contextlib.nullcontext()
    # Named families only, not "sans-serif": texts keep them when drawn outside this context.
    return plt.rc_context({"font.family": [*_installed_cjk_fonts(), "DejaVu Sans"]})


@functools.cache
def _installed_cjk_fonts() -> list[str]:
    """The CJK families matplotlib can use, registering system CJK fonts its cache missed."""
    known = {font.name for font in font_manager.fontManager.ttflist}
    if not known.intersection(CJK_FONTS):
        for path in font_manager.findSystemFonts():
            if "CJK" in path or "Han" in path:
                with contextlib.suppress(OSError, RuntimeError):
                    font_manager.fontManager.addfont(path)
        known = {font.name for font in font_manager.fontManager.ttflist}
    return [name for name in CJK_FONTS if name in known]
