"""What each kind of backward node computes: the local derivative shown in the stepper's panel.

Each op says it on its class, next to its forward and backward (`minigrad/ops`):
`shows_forward`, the forward in words, and `shows_sends`, the gradient the node sends each
input, in the names PyTorch gives to its inputs and saved values (`self`, `other`, `result`),
so the text matches `node._saved_self` and friends. `grad` is the gradient that arrived at the
node: the derivative of the loss with respect to the node's output.

Formulas are code and read the same in every language; a text in words is written as
`@message_id` and `local_derivative` gives it in the current language.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from minigrad.autograd.function import Function
from widgets.i18n import text

__all__ = ["LOCAL_DERIVATIVES", "LocalDerivative", "local_derivative", "sends_to"]


@dataclass(frozen=True)
class LocalDerivative:
    """The forward op in words and, for each input, the gradient the node sends it."""

    forward: str
    sends: tuple[str, ...]


def _of_op(op: type[Function]) -> LocalDerivative | None:
    """What an op class shows (its `shows_forward` and `shows_sends`), or None if it shows
    nothing."""
    forward = getattr(op, "shows_forward", None)
    if forward is None:
        return None
    return LocalDerivative(forward, tuple(getattr(op, "shows_sends", ())))


def _builtin_ops() -> Iterator[type[Function]]:
    """Every op class minigrad defines, subclasses after their bases."""
    pending = list(Function.__subclasses__())
    while pending:
        op = pending.pop(0)
        pending += op.__subclasses__()
        if op.__module__.startswith("minigrad."):
            yield op


def _by_node_name() -> dict[str, LocalDerivative]:
    """The texts by node name (what a PyTorch graph's nodes are looked up by), from the op
    classes; a name that ops showing different texts share is left to each node's class."""
    shown: dict[str, set[LocalDerivative]] = {}
    for op in _builtin_ops():
        derivative = _of_op(op)
        if derivative is not None:
            shown.setdefault(op._backward_cls.__name__, set()).add(derivative)
    return {name: next(iter(texts)) for name, texts in shown.items() if len(texts) == 1}


# The leaf's accumulator is no op: its text is written here.
LOCAL_DERIVATIVES: dict[str, LocalDerivative] = {
    "AccumulateGrad": LocalDerivative("@rule.leaf", ("variable.grad += grad",)),
    **_by_node_name(),
}

GENERIC = LocalDerivative(
    "@rule.unknown_op",
    ("@rule.generic",),
)


def _in_words(entry: str) -> str:
    return text(entry[1:]) if entry.startswith("@") else entry


def local_derivative(node: Any) -> LocalDerivative:
    """The local derivative of a node, in the language set by `widgets.set_language`.

    `node` is a graph node or a node's name. A minigrad node shows what its op's
    class says (so ops that share a node name each show their own); a PyTorch
    node or a name is looked up by name; anything unknown gets the generic text.
    """
    op = getattr(node, "_forward_cls", None)
    if op is not None:
        entry = _of_op(op) or GENERIC
    else:
        name = node if isinstance(node, str) else node.name()
        entry = LOCAL_DERIVATIVES.get(name.rsplit("::", 1)[-1], GENERIC)
    return LocalDerivative(_in_words(entry.forward), tuple(map(_in_words, entry.sends)))


def sends_to(derivative: LocalDerivative, input_nr: int) -> str:
    """The gradient a node sends to input `input_nr` (the generic text when not listed)."""
    if input_nr < len(derivative.sends):
        return derivative.sends[input_nr]
    return _in_words(GENERIC.sends[0])
