"""Checks for notebook exercises that say what is wrong, not just "wrong".

    widgets.check.gradient(x.grad, expected, of=x)

reports a missing gradient and why it may be missing (no `requires_grad`, not a leaf, no
`backward()` yet), a shape mismatch, the positions whose values differ, and the classic
slips: gradients accumulated over several `backward()` calls, a flipped sign.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from widgets.tensor_text import as_numpy, shape_text

__all__ = ["CheckResult", "close", "gradient", "require", "requires_grad"]

# How many wrong positions a message lists before saying "and N more".
LISTED_POSITIONS = 5


@dataclass
class CheckResult:
    """The verdict of a check: `ok`, and messages a learner can act on. True when correct."""

    ok: bool
    messages: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        mark = "✅" if self.ok else "❌"
        return "\n".join([f"{mark} {self.messages[0]}", *(f"   {m}" for m in self.messages[1:])])

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        color = "#166534" if self.ok else "#991b1b"
        background = "#dcfce7" if self.ok else "#fee2e2"
        lines = "".join(f"<li>{html.escape(m)}</li>" for m in self.messages[1:])
        mark = "✅" if self.ok else "❌"
        details = f"<ul style='margin:4px 0'>{lines}</ul>" if lines else ""
        return (f"<div style='color:{color};background:{background};padding:6px 10px;"
                f"border-radius:6px'><b>{mark} {html.escape(self.messages[0])}</b>"
                f"{details}</div>")


def _missing_gradient_hints(of: Any, name: str) -> list[str]:
    if of is None:
        return [
            "A .grad stays None until backward() runs through a graph that uses the tensor.",
            "Check that the tensor was created with requires_grad=True, that it is a leaf "
            "(or called .retain_grad()), and that you called backward().",
        ]
    if not of.requires_grad:
        return [f"{name} does not require grad: create it with requires_grad=True "
                "(or call .requires_grad_()) before computing with it."]
    if not of.is_leaf:
        return [f"{name} is not a leaf (it has grad_fn={type(of.grad_fn).__name__}): backward() "
                "fills .grad only for leaves. Call .retain_grad() on it before backward()."]
    return [f"{name} requires grad, so backward() has not reached it yet: call backward() on "
            "a result computed from it."]


def _positions(mask: np.ndarray) -> list[tuple[int, ...]]:
    return [tuple(int(i) for i in index) for index in np.argwhere(mask)]


def _position_text(position: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(str, position)) + "]"


def _slip_hints(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> list[str]:
    """Recognise common mistakes from how the answer relates to the expected values."""
    if np.allclose(got, -want, rtol=rtol, atol=atol):
        return ["Every value has the wrong sign: check the sign of your derivative."]
    nonzero = np.abs(want) > atol
    if nonzero.any():
        ratios = got[nonzero] / want[nonzero]
        ratio = float(np.median(ratios))
        if ratio > 1.5 and abs(ratio - round(ratio)) < 1e-3 and \
                np.allclose(got, round(ratio) * want, rtol=rtol, atol=atol):
            return [f"Every value is {round(ratio)}× the expected one. If you called "
                    "backward() more than once, the gradients added up: zero them first "
                    "(optimizer.zero_grad() or x.grad = None). If the loss sums several "
                    "pieces, check how each one is scaled."]
    if not got.any():
        return ["Your answer is all zeros: did the gradient flow through an operation with "
                "zero derivative, or was .grad zeroed after backward()?"]
    return []


def close(answer: Any, expected: Any, *, name: str = "The value", rtol: float = 1e-4,
          atol: float = 1e-6) -> CheckResult:
    """Check that `answer` has `expected`'s shape and values, saying which positions differ."""
    if answer is None:
        return CheckResult(False, [f"{name} is None, expected a tensor."])
    try:
        got = as_numpy(answer).astype(float)
    except (TypeError, ValueError):
        return CheckResult(False, [f"{name} should be a tensor, got {type(answer).__name__}."])
    want = as_numpy(expected).astype(float)
    if got.shape != want.shape:
        messages = [f"{name} has shape {shape_text(got.shape)}, expected {shape_text(want.shape)}."]
        if got.shape[::-1] == want.shape and got.ndim == 2:
            messages.append("It looks transposed: check which dimension is which.")
        elif got.size == want.size:
            messages.append("It has the right number of elements: reshape it?")
        return CheckResult(False, messages)
    if np.isnan(got).any() and not np.isnan(want).any():
        where = _positions(np.isnan(got))
        return CheckResult(False, [f"{name} contains nan at {len(where)} position(s), first at "
                                   f"{_position_text(where[0])}."])
    wrong = ~np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if not wrong.any():
        return CheckResult(True, [f"{name} is correct."])
    where = _positions(wrong) if got.ndim else [()]
    messages = [f"{name} is wrong at {len(where)} of {max(got.size, 1)} position(s)."]
    for position in where[:LISTED_POSITIONS]:
        messages.append(f"at {_position_text(position)}: got {got[position]:.6g}, "
                        f"expected {want[position]:.6g}")
    if len(where) > LISTED_POSITIONS:
        messages.append(f"… and {len(where) - LISTED_POSITIONS} more.")
    return CheckResult(False, messages + _slip_hints(got, want, rtol, atol))


def gradient(answer: Any, expected: Any, *, of: Any = None, name: str | None = None,
             rtol: float = 1e-4, atol: float = 1e-6) -> CheckResult:
    """Check a gradient (typically `x.grad`); pass `of=x` for precise hints when it is None."""
    label = name or "The gradient"
    if answer is None:
        return CheckResult(False, [f"{label} is None.",
                                   *_missing_gradient_hints(of, "the tensor")])
    passed_tensor_itself = (
        getattr(answer, "requires_grad", False) and getattr(answer, "grad_fn", 1) is None
        and getattr(answer, "grad", None) is not None
    )
    if passed_tensor_itself and close(answer.grad, expected, rtol=rtol, atol=atol).ok:
        return CheckResult(False, [f"You passed the tensor itself: {label} is its .grad "
                                   "(and that one is correct)."])
    return close(answer, expected, name=label, rtol=rtol, atol=atol)


def requires_grad(tensor: Any, expected: bool = True, *, name: str = "The tensor") -> CheckResult:
    """Check whether a tensor requires grad, explaining how to change it either way."""
    if not hasattr(tensor, "requires_grad"):
        return CheckResult(False, [f"{name} should be a tensor, got {type(tensor).__name__}."])
    if bool(tensor.requires_grad) == expected:
        state = "requires grad" if expected else "does not require grad"
        return CheckResult(True, [f"{name} {state}, as it should."])
    if expected:
        return CheckResult(False, [f"{name} does not require grad.",
                                   "Create it with requires_grad=True, or call "
                                   ".requires_grad_() on a leaf."])
    how = ("Compute it under `with torch.no_grad():` or use .detach()." if tensor.grad_fn
           is not None else "Create it without requires_grad=True, or use .detach().")
    return CheckResult(False, [f"{name} requires grad, but should not.", how])


def require(result: CheckResult) -> CheckResult:
    """Pass a check's result through, or raise it as an AssertionError when it failed.

    Graded notebooks (nbgrader) need a failing cell, not only a red message, so their
    check cells wrap the check in `require(...)`; the diagnosis is the error's text.
    """
    if not result.ok:
        raise AssertionError(str(result))
    return result
