"""PyTorch's TypeErrors for an argument of the wrong type, word for word.

`mul(): argument 'other' (position 2) must be Tensor, not str`, or, for an op with several
signatures, the list of them with the arguments that did not fit marked (`!str!`). The
checks that raise them are `ops._util.checks_argument_types` and the factories'.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from minigrad import backend
from minigrad._arguments import NUMBER_TYPES
from minigrad._tensor import Tensor

__all__ = ["invalid_combination", "type_message"]


def type_message(op_name: str, overloads: tuple[str, ...], args: tuple[Any, ...],
                  kwargs: dict[str, Any], offset: int, name: str, position: int | None,
                  accepted: tuple[type, ...], value: Any) -> str:
    """PyTorch's TypeError for an argument of the wrong type."""
    if overloads:
        return invalid_combination(op_name, overloads, args, kwargs, offset)
    wanted = ("Tensor" if Tensor in accepted else "int" if np.integer in accepted
              else "Number")
    where = "" if position is None else f" (position {position})"
    return f"{op_name}(): argument '{name}'{where} must be {wanted}, not {_type_name(value)}"


def invalid_combination(op_name: str, overloads: tuple[str, ...], args: tuple[Any, ...],
                        kwargs: dict[str, Any], offset: int) -> str:
    """PyTorch's message for arguments that fit none of an op's `overloads` (written as the
    function's signatures; `offset` 1 words them for the method)."""
    given = [_type_name(a) for a in args[offset:]]
    given += [f"{k}={_type_name(v)}" for k, v in kwargs.items()]
    got = ", ".join(given) + (", " if kwargs and len(given) == len(kwargs) else "")
    expected = [_as_method_signature(o) for o in overloads if o.startswith("(Tensor input")
                ] if offset else list(overloads)
    return (f"{op_name}() received an invalid combination of arguments - got ({got}), but "
            "expected one of:\n"
            + "".join(f" * {signature}\n{_mismatch(signature, args[offset:], kwargs)}"
                      for signature in expected))


def _mismatch(signature: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """PyTorch's line under a signature the arguments fit in number but not in type, marking
    each wrong one `!type!` (PyTorch writes it only for signatures without defaults)."""
    if "*" in signature or "=" in signature:
        return ""
    inner = signature.strip("()")
    parameters = [p.rsplit(" ", 1) for p in inner.split(", ")] if inner else []
    if len(parameters) != len(args) + len(kwargs):
        return ""
    by_name = {name: kind for kind, name in parameters}
    marked = [_marked(kind, _detailed_type_name(value), value)
              for (kind, _), value in zip(parameters, args)]
    marked += [_marked(by_name.get(name, ""), f"{name}={_detailed_type_name(value)}", value)
               for name, value in kwargs.items()]
    return ("      didn't match because some of the arguments have invalid types: "
            f"({', '.join(marked)})\n")


def _marked(kind: str, text: str, value: Any) -> str:
    """`text` as PyTorch's message shows an argument: between `!` when it is not a `kind`."""
    kind_types: dict[str, tuple[type, ...]] = {
        "Tensor": (Tensor,), "int": (int, np.integer), "bool": (bool, np.bool_),
        "torch.dtype": (backend.dtype,),
    }
    if kind.startswith("tuple of ints"):
        fits = isinstance(value, (tuple, list)) and all(
            isinstance(v, (int, np.integer)) for v in value)
    else:
        fits = isinstance(value, kind_types.get(kind, NUMBER_TYPES))
    return text if fits else f"!{text}!"


def _detailed_type_name(value: Any) -> str:
    """`_type_name`, with a list's or tuple's element types as PyTorch details them."""
    if isinstance(value, list):
        return f"list of [{', '.join(_type_name(v) for v in value)}]"
    if isinstance(value, tuple):
        return f"tuple of ({', '.join(_type_name(v) for v in value)})"
    return _type_name(value)


def _as_method_signature(signature: str) -> str:
    """A function's signature as its method's: no `input` first, no `out=`."""
    without_input = re.sub(r"^\(Tensor input(, |(?=\)))", "(", signature)
    return re.sub(r", \*, Tensor out = None", "", without_input)


def _type_name(value: Any) -> str:
    """A value's type as PyTorch names it in errors: `NoneType`, `str`, `numpy.ndarray`."""
    kind = type(value)
    if isinstance(value, Tensor):
        return "Tensor"
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__.split('.')[0]}.{kind.__qualname__}"
