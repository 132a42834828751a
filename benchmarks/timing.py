"""How the benchmarks time work: the median of repeated runs after a warm-up."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any


def interleaved_medians(actions: list[Callable[[], Any]], repeats: int, rounds: int = 5
                        ) -> list[float]:
    """The median wall time of each action over `repeats` calls, the actions taking turns.

    Each action runs in `rounds` blocks of warm-up plus repeated calls (so its
    caches are warm, as in a learner's loop), the actions' blocks alternating,
    so that a slow spell of the machine falls on all of them alike. The garbage
    collector stays on: its work is part of what a learner waits for.
    """
    times: list[list[float]] = [[] for _ in actions]
    per_block = max(1, repeats // rounds)
    for _ in range(rounds):
        for action, spent in zip(actions, times):
            gc.collect()  # each block starts from the same state; collections still count
            action()
            for _ in range(per_block):
                start = time.perf_counter()
                action()
                spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def median_seconds(action: Callable[[], Any], repeats: int) -> float:
    """The median wall time of `action()` over `repeats` calls (in warmed-up blocks)."""
    return interleaved_medians([action], repeats)[0]
