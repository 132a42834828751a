"""Runs a program's text on minigrad and on PyTorch side by side, and says where they differ.

After each statement: both raise the same exception class and first line of message, or
neither raises; the names it binds (or changes in place) agree in value (dtype-aware
tolerance, NaN/inf at the same places), dtype, shape, `requires_grad`, `is_leaf` and the
`grad_fn` graph along `next_functions`; after a backward, every tensor's `.grad` agrees.
At the end every name is compared again, `.grad` included.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

import minigrad

from .generate import Statement, execute, namespace

ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
TOLERANCE = {"torch.float64": (1e-9, 1e-12), "torch.float32": (1e-4, 1e-5),
             "torch.float16": (1e-2, 1e-3)}
MAX_GRAPH_NODES = 200


@dataclass(frozen=True)
class Difference:
    """The first place two runs part: the statement's index, what kind of thing differs
    (`raises`, `error`, `value`, `grad`, `grad_fn`...), and the details."""

    index: int
    kind: str
    detail: str


def first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return ADDRESS.sub("0x…", text[0] if text else "")


def describe(error: Exception | None) -> str:
    return "no error" if error is None else f"{type(error).__name__}: {first_line(error)}"


def graph(tensor: object, names: dict[int, str]) -> str:
    """The grad_fn graph as nested text: node names, the output each edge takes
    (when not 0), and the named leaf behind each AccumulateGrad."""
    seen: dict[int, int] = {}

    def walk(node: object) -> str:
        if node is None:
            return "None"
        name = type(node).__name__
        if name == "AccumulateGrad":
            return f"AccumulateGrad[{names.get(id(node.variable), '?')}]"
        if id(node) in seen:
            return f"{name}#{seen[id(node)]}"
        seen[id(node)] = len(seen)
        if len(seen) > MAX_GRAPH_NODES:
            return "…"
        edges = [walk(child) + (f":{nr}" if nr else "") for child, nr in node.next_functions]
        return f"{name}({', '.join(edges)})"

    return walk(tensor.grad_fn)


def _array(tensor: object) -> np.ndarray:
    if isinstance(tensor, torch.Tensor):
        if tensor._is_zerotensor():  # PyTorch's lazily zero gradient: zeros, unreadable
            return np.zeros(tuple(tensor.shape), str(tensor.dtype).removeprefix("torch."))
        return np.asarray(tensor.detach().cpu().numpy())
    return np.asarray(tensor.detach().numpy())


def _values_differ(expected: np.ndarray, actual: np.ndarray, dtype: str) -> bool:
    if expected.dtype.kind not in "fc":
        return not np.array_equal(expected, actual)
    if not np.array_equal(np.isnan(expected), np.isnan(actual)):
        return True
    if not np.array_equal(np.isposinf(expected), np.isposinf(actual)) or not np.array_equal(
            np.isneginf(expected), np.isneginf(actual)):
        return True
    finite = np.isfinite(expected)
    rtol, atol = TOLERANCE.get(dtype, (1e-4, 1e-5))
    return not np.allclose(expected[finite], actual[finite], rtol=rtol, atol=atol)


def _short(array: np.ndarray) -> str:
    return np.array2string(array, precision=17, threshold=20).replace("\n", "")


class Comparer:
    """Compares the values bound to the same name in the two runs."""

    def __init__(self, expected_scope: dict, actual_scope: dict):
        self.expected_scope, self.actual_scope = expected_scope, actual_scope
        # Once float32 values exist, a float64 result may carry their rounding (`x.double()`),
        # so it gets float32's tolerance; a new tensor's literal is always held to its own.
        self.rounded_to_float32 = False
        self.strict = False

    def note_float32(self) -> None:
        self.rounded_to_float32 = self.rounded_to_float32 or any(
            isinstance(v, torch.Tensor) and v.dtype in (torch.float32, torch.float16)
            for v in self.expected_scope.values())

    def names(self, scope: dict) -> dict[int, str]:
        return {id(v): k for k, v in scope.items() if _is_user_name(k)}

    def tensors(self, expected: torch.Tensor, actual: object, path: str,
                with_grad: bool) -> tuple[str, str] | None:
        if not isinstance(actual, minigrad.Tensor):
            return "type", f"{path}: torch gives a Tensor, minigrad {type(actual).__name__}"
        checks = (("dtype", str), ("shape", tuple), ("requires_grad", bool),
                  ("is_leaf", bool))
        for attribute, normal in checks:
            want = _probe(_attribute, expected, attribute, normal)
            got = _probe(_attribute, actual, attribute, normal)
            if want != got:
                return attribute, f"{path}.{attribute}: torch {want!r}, minigrad {got!r}"
        want = _probe(graph, expected, self.names(self.expected_scope))
        got = _probe(graph, actual, self.names(self.actual_scope))
        if want != got:
            return "grad_fn", f"{path} graph:\n  torch    {want}\n  minigrad {got}"
        want_values, got_values = _probe(_array, expected), _probe(_array, actual)
        if isinstance(want_values, str) or isinstance(got_values, str):  # reading raised
            both_raised = isinstance(want_values, str) and isinstance(got_values, str)
            if not (both_raised and want_values == got_values):
                return "value", f"{path} values: torch {want_values}, minigrad {got_values}"
            return None
        tolerance = str(expected.dtype)
        if self.rounded_to_float32 and not self.strict and tolerance == "torch.float64":
            tolerance = "torch.float32"
        if _values_differ(want_values, got_values, tolerance):
            return "value", (f"{path} values: torch {_short(want_values)}, "
                             f"minigrad {_short(got_values)}")
        if with_grad:
            want, got = _probe(lambda t: t.grad, expected), _probe(lambda t: t.grad, actual)
            found = self.values(want, got, f"{path}.grad", with_grad=False)
            if found:
                return ("grad" if found[0] in ("value", "none") else f"grad {found[0]}",
                        found[1])
        return None

    def values(self, expected: object, actual: object, path: str,
               with_grad: bool) -> tuple[str, str] | None:
        """The first difference between two values (None when they agree)."""
        if isinstance(expected, torch.Tensor):
            return self.tensors(expected, actual, path, with_grad)
        if expected is None or actual is None:
            if (expected is None) != (actual is None):
                return "none", f"{path}: torch {_brief(expected)}, minigrad {_brief(actual)}"
            return None
        if isinstance(expected, (tuple, list)):
            if not isinstance(actual, (tuple, list)) or len(expected) != len(actual):
                return "type", f"{path}: torch {_brief(expected)}, minigrad {_brief(actual)}"
            for i, (e, a) in enumerate(zip(expected, actual)):
                found = self.values(e, a, f"{path}[{i}]", with_grad)
                if found:
                    return found
            return None
        if isinstance(expected, (bool, int, float, str)):
            if type(expected) is not type(actual):
                return "type", f"{path}: torch {_brief(expected)}, minigrad {_brief(actual)}"
            if isinstance(expected, float):
                same = (math.isnan(expected) and math.isnan(actual)) or math.isclose(
                    expected, actual, rel_tol=1e-6, abs_tol=1e-9)
            else:
                same = expected == actual
            if not same:
                return "value", f"{path}: torch {expected!r}, minigrad {actual!r}"
        return None

    def name(self, name: str, with_grad: bool) -> tuple[str, str] | None:
        in_expected, in_actual = name in self.expected_scope, name in self.actual_scope
        if in_expected != in_actual:
            return "missing", f"{name} bound only in {'torch' if in_expected else 'minigrad'}"
        if not in_expected:
            return None
        return self.values(self.expected_scope[name], self.actual_scope[name], name, with_grad)


def _probe(read: Callable[..., Any], *args: Any) -> Any:
    """What `read(*args)` gives, or the text of the error it raises (reading an attribute
    of a view whose base was changed in place raises in PyTorch)."""
    try:
        return read(*args)
    except Exception as error:
        return f"<raises {describe(error)}>"


def _attribute(tensor: object, name: str, normal: Callable[[Any], Any]) -> Any:
    return normal(getattr(tensor, name))


def _is_user_name(name: str) -> bool:
    """A name the program bound (not `torch`, `nan`, `inf`, nor a dunder such as
    `__builtins__` or the `__warningregistry__` a warning leaves behind)."""
    return name not in _PREDEFINED and not name.startswith("__")


_PREDEFINED = frozenset({*namespace(torch), "__builtins__"})


def _brief(value: object) -> str:
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__} of {len(value)}"
    return f"{type(value).__name__} {value!r}"[:80]


def compare(statements: list[Statement]) -> Difference | None:
    """Run the statements on both libraries; the first difference, or None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # `.grad` of a non-leaf warns in both
        return _compare(statements)


def _compare(statements: list[Statement]) -> Difference | None:
    expected_scope, actual_scope = namespace(torch), namespace(minigrad)
    comparer = Comparer(expected_scope, actual_scope)
    torch.set_grad_enabled(True)
    minigrad.set_grad_enabled(True)
    for index, statement in enumerate(statements):
        want = execute(statement.text, expected_scope)
        got = execute(statement.text, actual_scope)
        if (want is None) != (got is None):
            return Difference(index, "raises", f"torch: {describe(want)}\n"
                                               f"minigrad: {describe(got)}")
        if want is not None and describe(want) != describe(got):
            return Difference(index, "error", f"torch:    {describe(want)}\n"
                                              f"minigrad: {describe(got)}")
        comparer.strict = statement.label == "create"
        if not comparer.strict:
            comparer.note_float32()
        names = list(statement.targets)
        if statement.touches_grads:
            names += [n for n, v in expected_scope.items()
                      if _is_user_name(n) and isinstance(v, torch.Tensor)]
        for name in dict.fromkeys(names):
            found = comparer.name(name, with_grad=statement.touches_grads)
            if found:
                return Difference(index, *found)
    comparer.strict = False  # the last statement's strictness is not the whole program's
    for name in [n for n in expected_scope if _is_user_name(n)]:
        found = comparer.name(name, with_grad=True)
        if found:
            return Difference(len(statements), *found)
    return None


def minimize(statements: list[Statement], difference: Difference,
             ) -> tuple[list[Statement], Difference]:
    """Drop statements one at a time while the same difference stays at the same statement."""
    if difference.index < len(statements):
        statements = statements[:difference.index + 1]
        failing = statements[-1]
    else:
        failing = None
    changed = True
    while changed:
        changed = False
        for i in reversed(range(len(statements))):
            if failing is not None and i == len(statements) - 1:
                continue
            candidate = statements[:i] + statements[i + 1:]
            found = compare(candidate)
            if found is None or found.kind != difference.kind:
                continue
            if failing is not None and (found.index != len(candidate) - 1):
                continue
            statements, difference, changed = candidate, found, True
    return statements, difference
