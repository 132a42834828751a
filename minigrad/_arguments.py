"""Arguments read the way PyTorch's argument parser reads them, with its TypeErrors.

Sizes and dims come as `op(2, 3)` or `op((2, 3))`; a learner who passes `'3'` or `2.5`
should meet the message PyTorch prints, at the call, not an error from deep inside NumPy.
The messages name `Tensor`, so the functions that write them import it when they run
(this module sits beside `Tensor`, which uses `wrap_dim`).
"""

from __future__ import annotations

import operator
import re
from typing import Any

import numpy as np

from minigrad import backend

# What PyTorch's argument parser takes as a Number: a Python or NumPy number (not a string,
# not an array, not None).
NUMBER_TYPES: tuple[type, ...] = (int, float, np.number, np.bool_)

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _as_int(value: Any) -> int | None:
    """`value` as a Python int if PyTorch would take it as one, else None."""
    try:
        return operator.index(value)
    except TypeError:
        return None


def int_list(values: tuple[Any, ...], op: str, name: str, position: int = 1
             ) -> tuple[int, ...]:
    """The ints given as `op(2, 3)` or `op((2, 3))` (`values` is the varargs tuple), the
    argument `name` at `position` of `op`.

    Mirrors PyTorch: the first value decides whether the argument is a list of ints at all
    ("must be tuple of ints, not str"); a later value that is not an int, or an int beyond
    int64, fails "to unpack the object at pos N".
    """
    packed = len(values) == 1 and isinstance(values[0], (tuple, list))
    items = tuple(values[0]) if packed else values
    if items:
        first = items[0]
        if isinstance(first, bool) or _as_int(first) is None:
            if packed:
                raise TypeError(f"{op}(): argument '{name}' (position {position}) must be tuple "
                                "of ints, but found element of type "
                                f"{type(first).__name__} at pos 0")
            if len(items) == 1:
                raise TypeError(f"{op}(): argument '{name}' (position {position}) must be tuple "
                                f"of ints, not {type(first).__name__}")
    result = []
    for index, item in enumerate(items, 1):
        number = _as_int(item)
        if number is None:
            error = f"type must be tuple of ints,but got {type(item).__name__}"
        elif not _INT64_MIN <= number <= _INT64_MAX:
            # PyTorch's message goes on, after a line break, with a C++ stack trace.
            error = "Overflow when unpacking long long\n"
        else:
            result.append(number)
            continue
        raise TypeError(f"{op}(): argument '{name}' failed to unpack the object at pos "
                        f'{index} with error "{error}"')
    return tuple(result)


def wrap_dim(dim: int, ndim: int) -> int:
    """A possibly negative dim as an index in `range(ndim)`, with PyTorch's error.

    A 0-d tensor is treated as having one dim, so 0 and -1 name the tensor itself,
    as in PyTorch: ops that act along a dim (squeeze, softmax, max, transpose) accept them.
    """
    span = max(ndim, 1)
    if not -span <= dim < span:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-span}, {span - 1}], "
            f"but got {dim})"
        )
    return dim % span


def wrap_dims(dims: Any, ndim: int) -> tuple[int, ...]:
    """The axes that `dims` (an int or a sequence of them) name, for NumPy's `axis=`.

    The one rule for dims on a 0-d tensor: 0 and -1 are accepted (see `wrap_dim`)
    and name no axis of the array, so a reduction or a squeeze over them leaves the
    value as it is, as in PyTorch. A dim named twice is PyTorch's error.
    """
    if isinstance(dims, int):
        dims = (dims,)
    axes = tuple([wrap_dim(d, ndim) for d in dims])
    if len(set(axes)) != len(axes):
        repeated = next(a for i, a in enumerate(axes) if a in axes[:i])
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
    return axes if ndim else ()


def type_message(op_name: str, overloads: tuple[str, ...], args: tuple[Any, ...],
                  kwargs: dict[str, Any], offset: int, name: str, position: int | None,
                  accepted: tuple[type, ...], value: Any) -> str:
    """PyTorch's TypeError for an argument of the wrong type."""
    from minigrad._tensor import Tensor

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
    from minigrad._tensor import Tensor

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
    from minigrad._tensor import Tensor

    kind = type(value)
    if isinstance(value, Tensor):
        return "Tensor"
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__.split('.')[0]}.{kind.__qualname__}"
