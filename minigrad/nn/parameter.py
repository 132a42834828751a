"""`Parameter`: a tensor that a `Module` registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import backend
from minigrad._tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf tensor that requires grad and that a `Module` lists in `parameters()`.

    It shares memory (and the version counter) with the tensor it is made
    from, as PyTorch's does; results of ops on it are plain tensors.
    """

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            data = Tensor._wrap(np.empty(0, backend.get_default_dtype().np))
        self._data = data._data
        self._version_counter = data._version_counter
        if requires_grad:
            if not self.is_floating_point():
                raise RuntimeError(
                    "Only Tensors of floating point and complex dtype can require gradients")
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild_parameter, (self._data.copy(), self._requires_grad))


def _rebuild_parameter(data: np.ndarray, requires_grad: bool) -> Parameter:
    return Parameter(Tensor._wrap(data), requires_grad)
