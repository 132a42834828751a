"""The factories behind a tensor's own methods: `Tensor(data)`, `x.new_zeros(2)`, `x.uniform_()`.

They make tensors with the package's factories (`minigrad._creation`), in the tensor's dtype
and on its device unless told otherwise. `Tensor` reaches them through `minigrad.ops`, as it
reaches every other method, so the tensor layer never imports the factories back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _creation, backend
from minigrad._tensor import Tensor
from minigrad.backend import random
from minigrad.backend.dtypes import dtype as DType

__all__ = ["data_of", "fill_random", "new_full", "new_ones", "new_tensor", "new_zeros"]


def data_of(data: Any, dtype: DType | None) -> Any:
    """The array `Tensor(data)` holds: a copy of `data` (floats as the default dtype)."""
    return _creation.tensor(data, dtype=dtype or backend.get_default_dtype())._data


def new_tensor(input: Tensor, data: Any, **kwargs: Any) -> Tensor:
    return _creation.tensor(data, **{"dtype": input.dtype, "device": input.device, **kwargs})


def new_zeros(input: Tensor, *size: Any, **kwargs: Any) -> Tensor:
    return _creation.zeros(*size, **{"dtype": input.dtype, "device": input.device, **kwargs})


def new_ones(input: Tensor, *size: Any, **kwargs: Any) -> Tensor:
    return _creation.ones(*size, **{"dtype": input.dtype, "device": input.device, **kwargs})


def new_full(input: Tensor, size: Any, value: Any, **kwargs: Any) -> Tensor:
    return _creation.full(size, value, **{"dtype": input.dtype, "device": input.device, **kwargs})


def fill_random(tensor: Tensor, kind: str, a: float, b: float,
                generator: random.Generator | None = None) -> Tensor:
    """`uniform_(a, b)` or `normal_(mean=a, std=b)`: refill a tensor in place (the caller has
    checked that the change is allowed)."""
    source = generator if generator is not None else random.default_generator
    draw = source.uniform if kind == "uniform" else source.normal
    values = draw(tensor._data.shape, a, b, tensor._data.dtype)  # drawn on the CPU
    np.copyto(tensor._data, backend.to_device(values, tensor.device))
    tensor._version_counter.value += 1
    return tensor
