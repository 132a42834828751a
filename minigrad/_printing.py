"""Tensor printing that reproduces PyTorch's `torch._tensor_str` output character for character."""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from minigrad import backend

__all__ = ["format_tensor", "get_printoptions", "printoptions", "set_printoptions"]


@dataclasses.dataclass
class _PrintOptions:
    """The knobs `set_printoptions` turns; field order matches PyTorch's `get_printoptions()`."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTIONS = _PrintOptions()

_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}

# PyTorch names no dtype for non-empty int64 and bool tensors: they are what Python ints and
# bools become, and the printed values (no decimal point, True/False) already show it.
_DTYPES_SHOWN_BY_VALUES = (np.dtype(np.int64), np.dtype(np.bool_))


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Change how tensors print, with the semantics of `torch.set_printoptions`.

    A `profile` ("default", "short" or "full") is applied first and the other arguments
    override it; arguments left as None keep their current value. As in PyTorch, `sci_mode`
    is always assigned, so any call without it returns to choosing scientific notation
    automatically, and an unknown profile name is ignored.
    """
    if profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(_OPTIONS, name, value)
    if precision is not None:
        _OPTIONS.precision = precision
    if threshold is not None:
        _OPTIONS.threshold = threshold
    if edgeitems is not None:
        _OPTIONS.edgeitems = edgeitems
    if linewidth is not None:
        _OPTIONS.linewidth = linewidth
    _OPTIONS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options, as keyword arguments that `set_printoptions` accepts."""
    return dataclasses.asdict(_OPTIONS)


@contextlib.contextmanager
def printoptions(**options: Any) -> Iterator[None]:
    """Apply `set_printoptions(**options)` inside a `with` block and restore the old ones after."""
    saved = get_printoptions()
    set_printoptions(**options)
    try:
        yield
    finally:
        set_printoptions(**saved)


def format_tensor(
    values: np.ndarray,
    *,
    dtype: backend.dtype,
    is_default_dtype: bool,
    grad_fn_name: str | None = None,
    requires_grad: bool = False,
    tangent: str | None = None,
    device: str | None = None,
    prefix: str = "tensor(",
) -> str:
    """The repr PyTorch would give a tensor holding `values`, e.g. `tensor([1., 2.], dtype=...)`.

    `dtype` is a `minigrad.backend.dtype`; `is_default_dtype` says whether it is the current
    default float dtype. The keyword suffixes follow the values in PyTorch's order (device,
    size, dtype, then grad_fn or requires_grad) and wrap onto a new line, aligned after
    `prefix`, when they would run past the line width. Values on a GPU are named by their
    device (`device='cuda:0'`) unless `device` is given.
    """
    place = backend.device_of(values)
    if place.type != "cpu":
        values = backend.to_host(values)
        device = device or str(place)
    indent = len(prefix)
    suffixes = []
    if device is not None:
        suffixes.append(f"device='{device}'")
    if values.size == 0:
        # Like NumPy, only a 1-D empty tensor leaves its shape implied; and with no values to
        # show it, the dtype is named whenever it is not the default float.
        if values.ndim != 1:
            suffixes.append(f"size={values.shape}")
        if not is_default_dtype:
            suffixes.append(f"dtype={dtype!r}")
        body = "[]"
    else:
        # With edgeitems=0 a summary shows no values at all, so PyTorch always names the size.
        if not _OPTIONS.edgeitems:
            suffixes.append(f"size={values.shape}")
        if not is_default_dtype and dtype.np not in _DTYPES_SHOWN_BY_VALUES:
            suffixes.append(f"dtype={dtype!r}")
        body = _format_values(values, dtype.is_floating_point, indent)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    if tangent is not None:
        suffixes.append(f"tangent={tangent}")
    return _append_suffixes(prefix + body, suffixes, indent)


def _format_values(values: np.ndarray, is_floating: bool, indent: int) -> str:
    """The bracketed values of a non-empty tensor whose first bracket sits at column `indent`."""
    summarize = values.size > _OPTIONS.threshold
    visible = _visible_values(values) if summarize else values.reshape(-1)
    formatter = _ElementFormatter(visible, is_floating)
    return _format_nested(values, indent, summarize, formatter)


def _visible_values(values: np.ndarray) -> np.ndarray:
    """The elements a summarized printout shows, flattened, which alone decide the number style.

    Mirrors `torch._tensor_str.get_summarized_data`. (With edgeitems=0 the printout is just
    `[...]`, so what this returns then does not matter.)
    """
    edge = _OPTIONS.edgeitems
    if values.ndim == 0:
        return values.reshape(-1)
    if values.ndim == 1:
        if len(values) > 2 * edge:
            return np.concatenate((values[:edge], values[-edge:]))
        return values
    rows = values if len(values) <= 2 * edge else [*values[:edge], *values[-edge:]]
    return np.concatenate([_visible_values(row) for row in rows])


class _ElementFormatter:
    """Writes every element of one tensor in a shared style and width, like PyTorch's `_Formatter`.

    For floats the style is decided once from the nonzero finite values: `int_mode` when all
    are whole numbers (printed `25.`), `sci_mode` when magnitudes span more than a factor of
    1000 or fall outside [1e-4, 1e8]. Values become Python floats first, so a float32 is
    rounded through its exact double value, as PyTorch's `'{:.4f}'.format(x.item())` does.
    """

    def __init__(self, visible: np.ndarray, is_floating: bool) -> None:
        self.is_floating = is_floating
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if not is_floating:
            self.width = max([1, *(len(str(value)) for value in visible.tolist())])
            return

        nonzero_finite = visible[np.isfinite(visible) & (visible != 0)]
        if nonzero_finite.size == 0:
            return
        magnitudes = np.abs(nonzero_finite).astype(np.float64)
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        if _OPTIONS.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = bool(_OPTIONS.sci_mode)

        precision = _OPTIONS.precision
        if self.sci_mode:
            texts = [f"{value:.{precision}e}" for value in nonzero_finite.tolist()]
        elif self.int_mode:
            texts = [f"{value:.0f}." for value in nonzero_finite.tolist()]
        else:
            texts = [f"{value:.{precision}f}" for value in nonzero_finite.tolist()]
        self.width = max(self.width, *(len(text) for text in texts))

    def format(self, value: float | int | bool) -> str:
        """`value` as text, right-aligned to the shared width (nan and inf may be wider)."""
        if not self.is_floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{_OPTIONS.precision}e}"
        elif self.int_mode:
            # The trailing dot marks a whole-number float; nan and inf need no such mark.
            text = f"{value:.0f}" + ("." if math.isfinite(value) else "")
        else:
            text = f"{value:.{_OPTIONS.precision}f}"
        return text.rjust(self.width)


def _format_nested(
    values: np.ndarray, indent: int, summarize: bool, formatter: _ElementFormatter
) -> str:
    """Brackets around sub-tensors, separated by one blank line per dimension below the second."""
    if values.ndim == 0:
        return formatter.format(values.item())
    if values.ndim == 1:
        return _format_row(values, indent, summarize, formatter)

    def format_inner(inner: np.ndarray) -> str:
        return _format_nested(inner, indent + 1, summarize, formatter)

    edge = _OPTIONS.edgeitems
    if summarize and len(values) > 2 * edge:
        head, tail = values[:edge], values[len(values) - edge :]
        blocks = [*map(format_inner, head), "...", *map(format_inner, tail)]
    else:
        blocks = [*map(format_inner, values)]
    separator = "," + "\n" * (values.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(blocks) + "]"


def _format_row(row: np.ndarray, indent: int, summarize: bool, formatter: _ElementFormatter) -> str:
    """A 1-D tensor as `[a, b, c]`, wrapped so every line holds as many elements as fit."""
    edge = _OPTIONS.edgeitems
    if summarize and not edge:
        elements = ["..."]
    elif summarize and len(row) > 2 * edge:
        elements = [formatter.format(value) for value in row[:edge].tolist()]
        elements.append(" ...")
        elements += [formatter.format(value) for value in row[-edge:].tolist()]
    else:
        elements = [formatter.format(value) for value in row.tolist()]

    # Each element takes its width plus ", "; PyTorch counts from the bracket's column.
    per_line = max(1, math.floor((_OPTIONS.linewidth - indent) / (formatter.width + 2)))
    lines = [", ".join(elements[i : i + per_line]) for i in range(0, len(elements), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _append_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """`text` with `, suffix` for each suffix and a closing parenthesis, as `_add_suffixes` does.

    A suffix moves to its own line, indented by `indent`, when the current line would pass the
    line width. PyTorch's length estimate counts two more characters than the line holds, and
    after a wrap it counts exactly; both quirks are kept so the breaks land in the same places.
    """
    parts = [text]
    line_length = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > _OPTIONS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            line_length = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_length += len(suffix) + 2
    parts.append(")")
    return "".join(parts)
