"""Each op of the sin example timed as a learner's cell runs it (once, between the others)
and as a loop that repeats it, in minigrad and in PyTorch (one thread).

    python benchmarks/cold_ops.py

A repeated op finds the CPU's caches and branch predictors ready for its code; an op run
once between others finds them filled by the others'. The difference is what a long path
of Python costs beyond its bytecodes: it shows in minigrad's column, hardly in PyTorch's.
"""

from __future__ import annotations

import gc
import math
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch

import minigrad

torch.set_num_threads(1)

STEPS = ("linspace", "sin", "2 *", "+ 1", "sum", "backward")


def in_sequence(lib: Any, rounds: int = 20_000) -> list[float]:
    """The median time (s) of each step of the sin example, the steps run one after another."""
    clock = time.perf_counter
    spent: list[list[float]] = [[] for _ in STEPS]
    for _ in range(rounds):
        t0 = clock()
        a = lib.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
        t1 = clock()
        s = lib.sin(a)
        t2 = clock()
        m = 2 * s
        t3 = clock()
        p = m + 1
        t4 = clock()
        out = p.sum()
        t5 = clock()
        out.backward()
        t6 = clock()
        for times, (start, end) in zip(spent, [(t0, t1), (t1, t2), (t2, t3), (t3, t4),
                                               (t4, t5), (t5, t6)]):
            times.append(end - start)
    return [statistics.median(times[rounds // 10:]) for times in spent]


def repeated(lib: Any, calls: int = 2_000, rounds: int = 15) -> list[float]:
    """The fastest time (s) per call of each forward step of the sin example, each run in a
    loop of its own."""
    a = lib.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
    s = lib.sin(a)
    m = 2 * s
    p = m + 1
    steps: list[Callable[[], Any]] = [
        lambda: lib.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True),
        lambda: lib.sin(a), lambda: 2 * s, lambda: m + 1, lambda: p.sum()]
    fastest = []
    for step in steps:
        best = math.inf
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(calls):
                step()
            best = min(best, (time.perf_counter() - start) / calls)
        fastest.append(best)
    return fastest


def main() -> None:
    gc.freeze()
    columns = {}
    for name, lib in (("minigrad", minigrad), ("PyTorch", torch)):
        columns[f"{name} in sequence"] = in_sequence(lib)
        columns[f"{name} repeated"] = [*repeated(lib), math.nan]  # backward: in sequence only
    print(f"{'step':<10}" + "".join(f"{title:>22}" for title in columns))
    for i, step in enumerate(STEPS):
        cells = ("—" if math.isnan(times[i]) else f"{times[i] * 1e6:.2f} µs"
                 for times in columns.values())
        print(f"{step:<10}" + "".join(f"{cell:>22}" for cell in cells))


if __name__ == "__main__":
    main()
