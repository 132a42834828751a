"""The floor of minigrad's design: the profiler loop and the sin example on the barest
engine of the same kind.

    python benchmarks/prototype_engine.py

Same design as minigrad (a node per op with edges, sequence numbers, a ready heap, saved
arrays, `__slots__`), and nothing else: no type checks, promotion, views, version
counters, hooks, grad mode, profiler or forward mode. It prints each workload's time on
the prototype, on minigrad and on PyTorch (one thread), each the fastest of its runs (the
loop split into forward and backward): what is left between minigrad and the prototype is
the price of that generality, not of Python; what is left between the prototype and
PyTorch is the price of Python.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import math
import os
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import torch

import minigrad

torch.set_num_threads(1)
np.seterr(all="ignore")  # the loop overflows to inf on purpose, as the tutorial's does

_sequence_numbers = itertools.count()


class Node:
    """An op's record: the nodes of its inputs (None: no gradient wanted) and what it saved."""

    __slots__ = ("next_nodes", "saved", "sequence_nr")

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        raise NotImplementedError


class Accumulate(Node):
    __slots__ = ("leaf",)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        leaf = self.leaf
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
        return ()


class Tensor:
    __slots__ = ("accumulator", "data", "grad", "grad_fn", "requires_grad")

    def __init__(self, data: np.ndarray, requires_grad: bool = False) -> None:
        self.data, self.requires_grad = data, requires_grad
        self.grad = self.grad_fn = self.accumulator = None

    def __mul__(self, other: Tensor | float) -> Tensor:
        return Mul.apply(self, other)

    __rmul__ = __mul__

    def __add__(self, other: Tensor | float) -> Tensor:
        return Add.apply(self, other)

    def sin(self) -> Tensor:
        return Sin.apply(self)

    def __truediv__(self, other: Tensor) -> Tensor:
        return Div.apply(self, other)

    def sum(self) -> Tensor:
        return Sum.apply(self)

    def backward(self) -> None:
        run_backward(self)

    def node(self) -> Node | None:
        """Where a gradient for this tensor goes."""
        if not self.requires_grad:
            return None
        if self.grad_fn is not None:
            return self.grad_fn
        if self.accumulator is None:
            self.accumulator = Accumulate()
            self.accumulator.leaf, self.accumulator.next_nodes = self, ()
            self.accumulator.sequence_nr = float("inf")
        return self.accumulator


class Op(Node):
    __slots__ = ()

    @staticmethod
    def forward(*arrays: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Tensor | float) -> Tensor:
        """Run the op on the inputs' arrays (a number stays a number, with no edge)."""
        tensors = [t if isinstance(t, Tensor) else None for t in inputs]
        arrays = [t if u is None else u.data for t, u in zip(inputs, tensors)]
        out = Tensor(cls.forward(*arrays))
        if any(t is not None and t.requires_grad for t in tensors):
            node = cls()
            node.sequence_nr = next(_sequence_numbers)
            node.next_nodes = tuple([None if t is None else t.node() for t in tensors])
            node.saved = tuple(arrays)
            out.grad_fn, out.requires_grad = node, True
        return out


class Mul(Op):
    __slots__ = ()
    forward = staticmethod(np.multiply)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        x, y = self.saved
        return grad * y, grad * x


class Add(Op):
    __slots__ = ()
    forward = staticmethod(np.add)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return grad, grad


class Sin(Op):
    __slots__ = ()
    forward = staticmethod(np.sin)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return (grad * np.cos(self.saved[0]),)


class Div(Op):
    __slots__ = ()
    forward = staticmethod(np.divide)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        x, y = self.saved
        return grad / y, -grad * (x / y / y)


class Sum(Op):
    __slots__ = ()

    @staticmethod
    def forward(*arrays: np.ndarray) -> np.ndarray:
        return np.asarray(arrays[0].sum())

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return (np.broadcast_to(grad, self.saved[0].shape),)


def run_backward(root: Tensor) -> None:
    """Count the edges into each node, then run ready nodes, latest op first."""
    start = root.grad_fn
    dependencies: dict[Node, int] = {}
    seen, stack = {start}, [start]
    while stack:
        for node in stack.pop().next_nodes:
            if node is not None:
                dependencies[node] = dependencies.get(node, 0) + 1
                if node not in seen:
                    seen.add(node)
                    stack.append(node)
    buffers: dict[Node, np.ndarray] = {start: np.ones((), np.float32)}
    tiebreak = itertools.count()
    ready = [(-start.sequence_nr, next(tiebreak), start)]
    while ready:
        node = heapq.heappop(ready)[2]
        grads = node.backward(buffers.pop(node))
        node.saved = None
        for next_node, grad in zip(node.next_nodes, grads):
            if next_node is None:
                continue
            held = buffers.get(next_node)
            buffers[next_node] = grad if held is None else held + grad
            dependencies[next_node] -= 1
            if dependencies[next_node] == 0:
                heapq.heappush(ready, (-next_node.sequence_nr, next(tiebreak), next_node))


def time_loop(make: Callable[[np.ndarray, bool], Any], rounds: int = 30
              ) -> tuple[float, float]:
    """The fastest forward and backward times (s) of the profiler loop over `rounds` runs."""
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((2, 3)).astype(np.float32)
    y0 = rng.random((2, 3)).astype(np.float32)
    forward, backward = [], []
    for _ in range(rounds):
        x, y, z = make(x0, True), make(y0, True), make(np.ones((2, 3), np.float32), True)
        start = time.perf_counter()
        for _ in range(1000):
            z = (z / x) * y
        total = z.sum()
        recorded = time.perf_counter()
        total.backward()
        forward.append(recorded - start)
        backward.append(time.perf_counter() - recorded)
    return min(forward), min(backward)


def time_sin(linspace: Callable[[], Any], sin: Callable[[Any], Any], rounds: int = 15,
             calls: int = 2000) -> float:
    """The fastest time (s) of the sin example, a = linspace(0, 2π, 25) and
    (2 sin(a) + 1).sum() with backward, per call over `rounds` runs of `calls` calls."""
    fastest = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            (2 * sin(linspace()) + 1).sum().backward()
        fastest = min(fastest, (time.perf_counter() - start) / calls)
    return fastest


def main() -> None:
    engines: dict[str, Callable[[np.ndarray, bool], Any]] = {
        "prototype": lambda a, grad: Tensor(a.copy(), grad),
        "minigrad": lambda a, grad: minigrad.tensor(a, requires_grad=grad),
        "PyTorch": lambda a, grad: torch.tensor(a, requires_grad=grad),
    }
    gc.freeze()
    times = {name: time_loop(make) for name, make in engines.items()}
    reference = sum(times["PyTorch"])
    print(f"{'profiler loop':<10} {'forward':>9} {'backward':>9} {'total':>9}  / PyTorch")
    for name, (forward, backward) in times.items():
        total = forward + backward
        print(f"{name:<10} {forward * 1e3:>6.1f} ms {backward * 1e3:>6.1f} ms "
              f"{total * 1e3:>6.1f} ms  {total / reference:.2f}")
    two_pi = 2.0 * math.pi
    sins = {
        "prototype": time_sin(lambda: Tensor(np.linspace(0.0, two_pi, 25, dtype=np.float32),
                                             True), Tensor.sin),
        "minigrad": time_sin(lambda: minigrad.linspace(0.0, two_pi, 25, requires_grad=True),
                             minigrad.sin),
        "PyTorch": time_sin(lambda: torch.linspace(0.0, two_pi, 25, requires_grad=True),
                            torch.sin),
    }
    print(f"\n{'sin example':<10} {'total':>9}  / PyTorch")
    for name, seconds in sins.items():
        print(f"{name:<10} {seconds * 1e6:>6.1f} µs  {seconds / sins['PyTorch']:.2f}")


if __name__ == "__main__":
    main()
