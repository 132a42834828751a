"""How the benchmarks time work: medians of repeated runs after a warm-up, in alternating rounds."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any


def round_medians(actions: list[Callable[[], Any]], repeats: int, rounds: int = 7,
                  min_round_seconds: float = 0.01) -> list[list[float]]:
    """For each action, the median wall time of its calls in each of `rounds` rounds.

    In every round each action runs a warm-up call and then at least `repeats // rounds`
    timed calls, and more until they add up to `min_round_seconds` (as `timeit` sizes its
    loops): a 50 µs workload gets a few hundred calls, not five, so that its median is not
    that of calls made with caches just emptied by the action before it. The actions take
    turns, so that a slow spell of the machine falls on all of them alike. The garbage
    collector stays on: its work is part of what a learner waits for.
    """
    times: list[list[float]] = [[] for _ in actions]
    per_round = max(1, repeats // rounds)
    for _ in range(rounds):
        for action, medians in zip(actions, times):
            gc.collect()  # each round starts from the same state; collections still count
            action()
            spent: list[float] = []
            while len(spent) < per_round or sum(spent) < min_round_seconds:
                start = time.perf_counter()
                action()
                spent.append(time.perf_counter() - start)
            medians.append(statistics.median(spent))
    return times


def median_ratio(numerator: list[float], denominator: list[float]) -> float:
    """The median over rounds of the per-round ratio: a slow round moves both sides of it."""
    return statistics.median(a / b for a, b in zip(numerator, denominator))


def median_seconds(action: Callable[[], Any], repeats: int) -> float:
    """The median wall time of `action()` over its rounds (in warmed-up blocks)."""
    return statistics.median(round_medians([action], repeats)[0])
