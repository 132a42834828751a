"""Layers: `Linear`, the activations `ReLU`, `Tanh`, `Sigmoid`, and the `Sequential` chain."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any, overload

from minigrad import _creation
from minigrad._tensor import Tensor
from minigrad.backend.dtypes import dtype as DType
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter

__all__ = ["Linear", "ReLU", "Sequential", "Sigmoid", "Tanh"]


class Linear(Module):
    """y = x Wᵀ + b: every output is a weighted sum of every input, plus a bias.

    The weight has shape (out_features, in_features). Both start with PyTorch's
    default draws, uniform in ±1/√in_features, so `manual_seed` gives PyTorch's
    numbers.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: DType | None = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_creation.empty(out_features, in_features, dtype=dtype,
                                                device=device))
        if bias:
            self.bias = Parameter(_creation.empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new weights and bias, in PyTorch's order and bounds."""
        # kaiming_uniform_ with a=√5 is uniform in ±1/√fan_in.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1]
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        """input @ weightᵀ + bias."""
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class ReLU(Module):
    """max(x, 0): lets positive values through and zeroes the rest."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """max(input, 0), elementwise."""
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Tanh(Module):
    """The hyperbolic tangent: squashes values into (-1, 1)."""

    def forward(self, input: Tensor) -> Tensor:
        """tanh(input), elementwise."""
        return F.tanh(input)


class Sigmoid(Module):
    """1 / (1 + e⁻ˣ): squashes values into (0, 1)."""

    def forward(self, input: Tensor) -> Tensor:
        """sigmoid(input), elementwise."""
        return F.sigmoid(input)


class Sequential(Module):
    """Modules run one after another, each on the previous one's output.

    Built from modules (named "0", "1", ...) or from an OrderedDict of names
    to modules.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(args):
                self.add_module(str(index), module)

    @overload
    def __getitem__(self, index: int) -> Module: ...

    @overload
    def __getitem__(self, index: slice) -> Sequential: ...

    def __getitem__(self, index: int | slice) -> Module | Sequential:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        if not -len(items) <= index < len(items):
            raise IndexError(f"index {index} is out of range")
        return items[index][1]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        """Add `module` at the end."""
        self.add_module(str(len(self)), module)
        return self

    def forward(self, input: Any) -> Any:
        """Feed `input` through every module in order."""
        for module in self:
            input = module(input)
        return input
