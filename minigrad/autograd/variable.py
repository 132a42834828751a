"""`Variable`: PyTorch 0.3's wrapper around a tensor, kept so that old code still runs.

Since PyTorch 0.4 every tensor is a Variable: `Variable(t, requires_grad=True)`
gives a plain tensor (sharing `t`'s values, cut from its graph), and
`isinstance(t, Variable)` is true of any tensor.
"""

from __future__ import annotations

import warnings
from typing import Any

from minigrad._tensor import Tensor

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor)


class Variable(metaclass=_VariableMeta):
    """Old-style wrapper: returns `data` detached, with the given `requires_grad`."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = False,
                volatile: bool = False) -> Tensor:  # type: ignore[misc]
        if data is None:
            from minigrad._creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` "
                          "instead.", UserWarning, stacklevel=2)
        return data.detach().requires_grad_(requires_grad)
