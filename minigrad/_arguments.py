"""Arguments read the way PyTorch's argument parser reads them, with its TypeErrors.

Sizes and dims come as `op(2, 3)` or `op((2, 3))`; a learner who passes `'3'` or `2.5`
should meet the message PyTorch prints, at the call, not an error from deep inside NumPy.
"""

from __future__ import annotations

import operator
from typing import Any

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
