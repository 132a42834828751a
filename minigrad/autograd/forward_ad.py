"""Forward-mode AD: dual tensors whose tangent rides along through every op.

    with forward_ad.dual_level():
        x = forward_ad.make_dual(primal, tangent)
        y = f(x)
        value, jvp = forward_ad.unpack_dual(y)    # jvp = J_f(primal) @ tangent

While a level is open, `Function.apply` calls `_propagate` after each op:
when an input carries a tangent, the op's `jvp(ctx, *tangents)` staticmethod
gives the tangents of its results. `jvp` gets one tangent per positional
argument of forward (None for numbers and for tensors without a tangent)
and reads the values it needs from `ctx.primal_inputs` and
`ctx.primal_outputs`. Tangents are computed with ordinary (recorded) ops, so
reverse mode can differentiate them, and a saved result keeps its tangent,
so forward mode can run through a backward pass (forward-over-reverse).

A tangent may carry extra leading batch dims (shape `(*batch, *primal.shape)`):
`functional.jacobian(..., strategy="forward-mode", vectorize=True)` pushes a
whole basis of tangents through one forward pass that way, so every `jvp`
rule is written for leading batch dims (negative dims, `lift` before
broadcasting).
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from minigrad import _tensor, backend
from minigrad._tensor import Tensor, _as_view
from minigrad.autograd import function
from minigrad.autograd.function import BackwardFunction, Function
from minigrad.autograd.graph import SavedTensor

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level",
           "make_dual", "unpack_dual"]

# The open level (-1: none) and the tangents of its dual tensors, by tensor identity.
_current_level = -1
_tangents: dict[int, tuple[weakref.ref[Tensor], Tensor]] = {}


def enter_dual_level() -> int:
    """Open the forward-AD level that `make_dual` and `unpack_dual` use by default."""
    global _current_level
    if _current_level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _current_level = 0
    function._forward_hook = _propagate
    _tensor._tangent_of = tangent_of
    return _current_level


def exit_dual_level(*, level: int | None = None) -> None:
    """Close the level: every dual tensor made in it loses its tangent."""
    global _current_level
    if level is None:
        level = _current_level
    if level != _current_level:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that "
                           "was created. This is not supported.")
    if level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    _tangents.clear()
    function._forward_hook = None
    _tensor._tangent_of = None
    _current_level = -1


class dual_level(contextlib.ContextDecorator):
    """`with dual_level():` (or `@dual_level()`): forward-AD computations happen inside."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc_info: object) -> None:
        exit_dual_level()


class UnpackedDualTensor(NamedTuple):
    """What `unpack_dual` returns: the primal value and its tangent (None if it has none)."""

    primal: Tensor
    tangent: Tensor | None


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A view of `tensor` that carries `tangent`, the direction forward mode differentiates in."""
    if level is None:
        level = _current_level
    if level < 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, "
                           "make sure to enter_dual_level() first.")
    for name, value in (("primal", tensor), ("tangent", tangent)):
        if not value.is_floating_point():
            raise ValueError(f"Expected {name} to be floating point or complex, but got: "
                             f"{value.dtype}")
    if level != _current_level:
        raise RuntimeError("Invalid level given to _make_dual")
    if tangent_of(tensor) is not None:
        raise RuntimeError("Making a dual Tensor based on a Tensor that already has a forward "
                           f"gradient at the same level {level} is not supported.")
    if tangent.shape != tensor.shape:
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the "
            f"original Tensor, this is not supported. Tensor is of size {list(tensor.shape)} "
            f"while the given forward gradient is of size {list(tangent.shape)}.")
    return _make_dual(tensor, tangent)


def _make_dual(tensor: Tensor, tangent: Tensor) -> Tensor:
    """`make_dual` without the checks: `tangent` may have leading batch dims."""
    with _paused():
        dual = tensor.view(tensor.shape)
    _set_tangent(dual, tangent)
    return dual


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """Split a dual tensor into its primal (a view without the tangent) and its tangent."""
    if level is None:
        level = _current_level
    if level < 0 or _current_level < 0:
        return UnpackedDualTensor(tensor, None)
    if level != _current_level:
        raise RuntimeError("Invalid level given to _fw_primal")
    with _paused():
        primal = _as_view(_Identity.apply(tensor), tensor)
    return UnpackedDualTensor(primal, tangent_of(tensor))


class _Identity(Function, node_name="Identity"):
    """The primal of `unpack_dual`: the same values, gradients pass straight through."""

    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor) -> np.ndarray:
        return x._data

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        return grad


# The tangent table -------------------------------------------------------------


def tangent_of(tensor: Tensor) -> Tensor | None:
    """The tangent `tensor` carries at the open level, or None."""
    entry = _tangents.get(id(tensor))
    if entry is None or entry[0]() is not tensor:
        return None
    return entry[1]


def _set_tangent(tensor: Tensor, tangent: Tensor) -> None:
    key = id(tensor)

    def forget(ref: weakref.ref[Tensor]) -> None:
        if _tangents.get(key, (None,))[0] is ref:
            del _tangents[key]

    _tangents[key] = (weakref.ref(tensor, forget), tangent)


def copy_tangent(source: Tensor, target: Tensor) -> None:
    """Give `target` the tangent of `source` (an in-place op's result becomes the tensor)."""
    tangent = tangent_of(source)
    if tangent is not None:
        _set_tangent(target, tangent)


@contextlib.contextmanager
def _paused() -> Iterator[None]:
    """Run ops without propagating tangents (inside jvp rules and the API's own views)."""
    hook = function._forward_hook
    function._forward_hook = None
    try:
        yield
    finally:
        function._forward_hook = hook


def _propagate(ctx: BackwardFunction, args: tuple[Any, ...], outputs: tuple[Any, ...]) -> None:
    """Give an op's float results the tangents its `jvp` rule computes from the inputs'."""
    tangents = tuple(tangent_of(a) if isinstance(a, Tensor) else None for a in args)
    dual = next((i for i, t in enumerate(tangents) if t is not None), None)
    if dual is None:
        return
    op = ctx._forward_cls
    rule = getattr(op, "jvp", None)
    if rule is None:
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")
    batch = tangents[dual].shape[:tangents[dual].ndim - args[dual].ndim]
    ctx.primal_inputs, ctx.primal_outputs = args, outputs
    with _paused():
        try:
            results = rule(ctx, *tangents)
        finally:
            del ctx.primal_inputs, ctx.primal_outputs
        if not isinstance(results, tuple):
            results = (results,)
        for out, tangent in zip(outputs, results):
            if tangent is None or not isinstance(out, Tensor) or not out.is_floating_point():
                continue
            if any(out is t for t in ctx._non_differentiable):
                continue
            if tangent.shape != (*batch, *out.shape):
                tangent = tangent.expand(*batch, *out.shape)
            if tangent.dtype != out.dtype:
                tangent = tangent.to(out.dtype)
            _set_tangent(out, tangent)
    _keep_saved_results_dual(ctx, outputs)


def _keep_saved_results_dual(ctx: BackwardFunction, outputs: tuple[Any, ...]) -> None:
    """Save dual results as tensors, so that backward unpacks them with their tangents.

    A saved result is normally kept as its bare array and re-wrapped on unpack,
    which would drop the tangent that forward-over-reverse needs.
    """
    saved = ctx._saved
    if not saved:
        return
    replaced = list(saved)
    for i, item in enumerate(saved):
        if not isinstance(item, SavedTensor) or not item._is_output:
            continue
        for out in outputs:
            if isinstance(out, Tensor) and out._data is item._data and tangent_of(out) is not None:
                replaced[i] = SavedTensor(out, is_output=False)
    ctx._saved = tuple(replaced)


# Helpers for jvp rules -------------------------------------------------------------


def batch_dims(tangent: Tensor, primal: Tensor) -> int:
    """How many leading batch dims `tangent` has beyond `primal`'s shape."""
    return tangent.ndim - primal.ndim


def lift(tangent: Tensor | None, primal: Any, ndim: int) -> Tensor | None:
    """`tangent` with size-1 dims inserted after its batch dims, so it broadcasts at rank `ndim`.

    Plain broadcasting would line a batched tangent's batch dims up with the
    other operand's leading dims; lifting puts them in front of all of them.
    """
    if tangent is None:
        return None
    primal_ndim = primal.ndim if isinstance(primal, Tensor) else 0
    lead = tangent.ndim - primal_ndim
    if lead == 0 or primal_ndim >= ndim:
        return tangent
    shape = tangent.shape
    return tangent.reshape(*shape[:lead], *(1,) * (ndim - primal_ndim), *shape[lead:])


def lift_operands(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
                  ) -> tuple[Tensor | None, Tensor | None]:
    """The tangents of a binary op's two operands, lifted to the rank of its result."""
    a, b = ctx.primal_inputs[:2]
    ndim = ctx.primal_outputs[0].ndim
    return lift(tangent_a, a, ndim), lift(tangent_b, b, ndim)


def add_tangents(*terms: Tensor | None) -> Tensor | None:
    """The sum of the terms that exist (None when none does)."""
    present = [t for t in terms if t is not None]
    if not present:
        return None
    total = present[0]
    for term in present[1:]:
        total = total + term
    return total


def zero_filled(tangents: tuple[Tensor | None, ...], primals: tuple[Tensor, ...]
                ) -> list[Tensor]:
    """The tangents, with zeros (batched like the others) for the primals that have none."""
    dual = next(i for i, t in enumerate(tangents) if t is not None)
    batch = tangents[dual].shape[:batch_dims(tangents[dual], primals[dual])]
    return [Tensor._wrap(backend.array_module(p._data).zeros((*batch, *p.shape), p._data.dtype))
            if t is None else t for t, p in zip(tangents, primals)]


def batched_key(key: tuple[Any, ...], lead: int) -> tuple[tuple[Any, ...], int]:
    """An index `key` for a tensor with `lead` more leading dims, and where NumPy puts them.

    NumPy moves the dims of advanced indices that are separated by a slice to
    the front of the result; the batch dims then come right after them, at the
    returned position (0 when they stay in front).
    """
    full = (slice(None),) * lead + tuple(key)
    advanced = [i for i, k in enumerate(key) if isinstance(k, (np.ndarray, list))]
    if not lead or not advanced or advanced[-1] - advanced[0] + 1 == len(advanced):
        return full, 0
    shapes = [(int(np.count_nonzero(k)),) if np.asarray(k).dtype == np.bool_ else np.shape(k)
              for k in (key[i] for i in advanced)]
    return full, len(np.broadcast_shapes(*shapes))


def move_batch(tensor: Tensor, lead: int, source: int, destination: int) -> Tensor:
    """Move `lead` batch dims starting at dim `source` so they start at `destination`."""
    if lead == 0 or source == destination:
        return tensor
    order = [d for d in range(tensor.ndim) if not source <= d < source + lead]
    for i, d in enumerate(range(source, source + lead)):
        order.insert(destination + i, d)
    return tensor.permute(*order)
