"""Arguments read the way PyTorch's argument parser reads them, with its TypeErrors.

Sizes and dims come as `op(2, 3)` or `op((2, 3))`; a learner who passes `'3'` or `2.5`
should meet the message PyTorch prints, at the call, not an error from deep inside NumPy.
(`Tensor` reads its dims here; the messages that name `Tensor` itself, for an argument of
the wrong type, are in `_argument_errors`, above it.)
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

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
    for item in items:  # the common case, plain ints within int64, taken as they are
        if type(item) is not int or not _INT64_MIN <= item <= _INT64_MAX:
            break
    else:
        return items
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
