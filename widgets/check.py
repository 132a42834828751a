"""Checks for notebook exercises that say what is wrong, not just "wrong".

    widgets.check.gradient(x.grad, expected, of=x)

says "not answered yet" for the `...` placeholder; reports a missing gradient and why it
may be missing (no `requires_grad`, not a leaf, no `backward()` yet), a shape mismatch, the
positions whose values differ (yours against expected), and the classic slips: a flipped
sign, a transposed matrix, a constant factor (gradients accumulated over several
`backward()` calls, a mean for a sum), a constant offset, a `.grad` never zeroed between
steps, the wrong layer frozen. Messages follow `widgets.set_language`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from widgets.i18n import text
from widgets.tensor_text import as_numpy, shape_text

__all__ = ["CheckResult", "close", "frozen", "gradient", "require", "requires_grad"]

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
        lines = "".join(f"<li>{_html_with_code(m)}</li>" for m in self.messages[1:])
        mark = "✅" if self.ok else "❌"
        details = f"<ul style='margin:4px 0'>{lines}</ul>" if lines else ""
        return (f"<div style='color:{color};background:{background};padding:6px 10px;"
                f"border-radius:6px'><b>{mark} {_html_with_code(self.messages[0])}</b>"
                f"{details}</div>")


def _html_with_code(message: str) -> str:
    """A message as HTML, its `code` spans set in code type."""
    parts = html.escape(message).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _code(name: str | None) -> str:
    """How a check names the value: the learner's code expression, or "Your answer"."""
    return f"`{name}`" if name else text("check.your_answer")


def _number(value: float) -> str:
    return f"{value:.6g}"


def _missing_gradient_hints(of: Any) -> list[str]:
    if not of.requires_grad:
        return [text("check.grad_no_requires")]
    if not of.is_leaf:
        return [text("check.grad_not_leaf", node=type(of.grad_fn).__name__)]
    return [text("check.grad_not_reached")]


def _positions(mask: np.ndarray) -> list[tuple[int, ...]]:
    return [tuple(int(i) for i in index) for index in np.argwhere(mask)]


def _position_text(position: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(str, position)) + "]"


def _factor_text(factor: float) -> str:
    return str(round(factor)) if abs(factor - round(factor)) < 1e-6 else f"{factor:.4g}"


def _whole(value: float) -> int | None:
    """`value` as a whole number when it is one (up to rounding), else None."""
    return round(value) if abs(value - round(value)) < 1e-3 * max(1.0, abs(value)) else None


def _factor_hints(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> list[str]:
    """Yours = factor × expected: say the factor and what usually causes it."""
    nonzero = np.abs(want) > atol
    if not nonzero.any():
        return []
    factor = float(np.median(got[nonzero] / want[nonzero]))
    if not np.isfinite(factor) or abs(factor) < 1e-12 or abs(factor - 1) < 1e-6 \
            or not np.allclose(got, factor * want, rtol=rtol, atol=atol):
        return []
    times, fraction = _whole(factor), _whole(1 / factor)
    # One number is always some multiple of another: only a telling factor is worth saying.
    if got.size == 1 and times is None and fraction is None and _whole(2 * factor) is None:
        return []
    hints = [text("check.factor", factor=_factor_text(factor))]
    if times is not None and times >= 2:
        hints.append(text("check.factor_accumulated", count=times))
    elif fraction is not None and fraction >= 2:
        hints.append(text("check.factor_mean", count=fraction))
    else:
        hints.append(text("check.factor_scale"))
        if factor > 1:
            hints.append(text("check.factor_maybe_accumulated"))
    return hints


def _summed_steps_hint(got: np.ndarray, want: np.ndarray, earlier: list[np.ndarray],
                       rtol: float, atol: float) -> list[str]:
    """Yours = expected + the gradients of the steps before it: `.grad` was never zeroed."""
    total = want.copy()
    for count, previous in enumerate(reversed(earlier), start=2):
        if previous.shape != want.shape:
            return []
        total = total + previous
        if np.allclose(got, total, rtol=rtol, atol=atol):
            return [text("check.summed_steps", count=count)]
    return []


def _slip_hints(got: np.ndarray, want: np.ndarray, rtol: float, atol: float,
                earlier: list[np.ndarray]) -> list[str]:
    """Recognise common mistakes from how your values relate to the expected ones."""
    if earlier and (hint := _summed_steps_hint(got, want, earlier, rtol, atol)):
        return hint
    if got.ndim == 2 and got.shape[0] == got.shape[1] \
            and np.allclose(got, want.T, rtol=rtol, atol=atol):
        return [text("check.transposed")]
    if np.allclose(got, -want, rtol=rtol, atol=atol):
        return [text("check.sign")]
    if hints := _factor_hints(got, want, rtol, atol):
        return hints
    if got.size > 1:
        offset = float(np.median(got - want))
        if np.allclose(got, want + offset, rtol=rtol, atol=atol):
            return [text("check.offset", offset=_number(offset))]
    if not got.any():
        return [text("check.zeros")]
    return []


def _unanswered(answer: Any) -> bool:
    return answer is Ellipsis


def close(answer: Any, expected: Any, *, name: str | None = None, rtol: float = 1e-4,
          atol: float = 1e-6, earlier: Any = None) -> CheckResult:
    """Check that `answer` (yours) has `expected`'s shape and values, and say how it differs.

    `name` is the code expression of the answer (`"w.grad"`); `earlier`, the gradients of
    earlier steps (oldest first), lets the check recognise a `.grad` that was never zeroed.
    """
    label = _code(name)
    if _unanswered(answer) or answer is None:
        messages = [text("check.unanswered", name=label)]
        return CheckResult(False, messages + ([text("check.none_hint")] if answer is None else []))
    try:
        got = as_numpy(answer).astype(float)
    except (TypeError, ValueError):
        return CheckResult(False, [text("check.not_tensor", name=label,
                                        kind=type(answer).__name__)])
    want = as_numpy(expected).astype(float)
    if got.shape != want.shape:
        messages = [text("check.shape", name=label, yours=shape_text(got.shape),
                         expected=shape_text(want.shape))]
        if got.shape[::-1] == want.shape and got.ndim == 2:
            messages.append(text("check.shape_transposed"))
        elif got.size == want.size:
            messages.append(text("check.shape_reshape"))
        return CheckResult(False, messages)
    if np.isnan(got).any() and not np.isnan(want).any():
        where = _positions(np.isnan(got))
        return CheckResult(False, [text("check.nan", name=label, count=len(where),
                                        where=_position_text(where[0]))])
    wrong = ~np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if not wrong.any():
        return CheckResult(True, [text("check.correct", name=label)])
    if got.size == 1:
        messages = [text("check.wrong_one", name=label, yours=_number(got.item()),
                         expected=_number(want.item()))]
    else:
        where = _positions(wrong)
        messages = [text("check.wrong_many", name=label, count=len(where), total=got.size)]
        messages += [text("check.position", where=_position_text(position),
                          yours=_number(got[position]), expected=_number(want[position]))
                     for position in where[:LISTED_POSITIONS]]
        if len(where) > LISTED_POSITIONS:
            messages.append(text("check.more", count=len(where) - LISTED_POSITIONS))
    earlier_arrays = [as_numpy(g).astype(float) for g in (earlier or [])]
    return CheckResult(False, messages + _slip_hints(got, want, rtol, atol, earlier_arrays))


def gradient(answer: Any, expected: Any, *, of: Any = None, name: str | None = None,
             rtol: float = 1e-4, atol: float = 1e-6, earlier: Any = None) -> CheckResult:
    """Check a gradient (typically `x.grad`); `of=x` explains a `None` precisely.

    `earlier` (the gradients of earlier steps, oldest first) recognises a missing `zero_grad`.
    """
    label = _code(name)
    if answer is None and of is not None:
        return CheckResult(False, [text("check.grad_none", name=label),
                                   *_missing_gradient_hints(of)])
    passed_tensor_itself = (
        getattr(answer, "requires_grad", False) and getattr(answer, "grad_fn", 1) is None
        and getattr(answer, "grad", None) is not None
    )
    if passed_tensor_itself and close(answer.grad, expected, rtol=rtol, atol=atol).ok:
        return CheckResult(False, [text("check.passed_tensor")])
    result = close(answer, expected, name=name, rtol=rtol, atol=atol, earlier=earlier)
    # A wrong `x.grad` may hold earlier passes too: say so unless a hint already did.
    is_grad_of = of is not None and answer is getattr(of, "grad", None)
    if not result.ok and is_grad_of and not any("zero_grad" in m for m in result.messages):
        result.messages.append(text("check.grad_may_hold_earlier", name=label))
    return result


def requires_grad(tensor: Any, expected: bool = True, *, name: str | None = None) -> CheckResult:
    """Check whether a tensor requires grad, explaining how to change it either way."""
    label = _code(name)
    if _unanswered(tensor) or tensor is None:
        return CheckResult(False, [text("check.unanswered", name=label)])
    if not hasattr(tensor, "requires_grad"):
        return CheckResult(False, [text("check.not_tensor", name=label,
                                        kind=type(tensor).__name__)])
    if bool(tensor.requires_grad) == expected:
        return CheckResult(True, [text("check.requires_ok" if expected
                                       else "check.no_requires_ok", name=label)])
    if expected:
        return CheckResult(False, [text("check.requires_missing", name=label),
                                   text("check.requires_how")])
    how = (text("check.requires_extra_computed") if tensor.grad_fn is not None
           else text("check.requires_extra_leaf", name=name or "x"))
    return CheckResult(False, [text("check.requires_extra", name=label), how])


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _code_list(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def frozen(model: Any, frozen: tuple[str, ...] | list[str] | str = ()) -> CheckResult:
    """Check that exactly the parameters under `frozen` (module names) stop requiring grad.

    `frozen=("layer1",)` expects `layer1.weight` and `layer1.bias` frozen and every other
    parameter training; the verdict names the parameters on the wrong side of that line.
    """
    if _unanswered(model) or model is None:
        return CheckResult(False, [text("check.unanswered", name=_code("model"))])
    prefixes = (frozen,) if isinstance(frozen, str) else tuple(frozen)
    named = list(model.named_parameters())
    if not all(any(_under(n, (p,)) for n, _ in named) for p in prefixes):
        return CheckResult(False, [text("check.frozen_unknown", names=_code_list(list(prefixes)),
                                        known=_code_list([n for n, _ in named]))])
    still_training = [n for n, p in named if _under(n, prefixes) and p.requires_grad]
    wrongly_frozen = [n for n, p in named if not _under(n, prefixes) and not p.requires_grad]
    if not still_training and not wrongly_frozen:
        return CheckResult(True, [text("check.frozen_ok", frozen=_code_list(list(prefixes)))])
    messages = [text("check.frozen_wrong")]
    if still_training:
        messages.append(text("check.frozen_should", names=_code_list(still_training)))
    if wrongly_frozen:
        messages.append(text("check.frozen_should_not", names=_code_list(wrongly_frozen)))
    return CheckResult(False, messages)


def require(result: CheckResult) -> CheckResult:
    """Pass a check's result through, or raise it as an AssertionError when it failed.

    Graded notebooks (nbgrader) need a failing cell, not only a red message, so their
    check cells wrap the check in `require(...)`; the diagnosis is the error's text.
    """
    if not result.ok:
        raise AssertionError(str(result))
    return result
