"""`SGD`: stochastic gradient descent, with optional momentum, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from minigrad._tensor import Tensor
from minigrad.optim.optimizer import Optimizer, ParamGroup, multiply_add, write_

__all__ = ["SGD"]


class SGD(Optimizer):
    """param ← param - lr · grad, where grad may carry momentum and weight decay.

    Follows PyTorch's single-tensor update step by step, in the parameters'
    precision, so a float32 model takes the same steps as in PyTorch.
    `foreach` and `fused` only pick among PyTorch's kernels; minigrad has one.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        if differentiable:
            raise NotImplementedError("minigrad's optimizers are not differentiable")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)

    def _update_group(self, group: ParamGroup) -> None:
        for param in group["params"]:
            if param.grad is not None:
                self._update(param, param.grad._data, group)

    def _update(self, param: Tensor, grad: np.ndarray, group: ParamGroup) -> None:
        dtype = param._data.dtype.type
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = multiply_add(param._data, dtype(group["weight_decay"]), grad)
        momentum = group["momentum"]
        if momentum != 0:
            state = self.state[param]
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = Tensor._wrap(grad.copy())
            else:
                decayed = buffer._data * dtype(momentum)
                write_(buffer, multiply_add(grad, dtype(1 - group["dampening"]), decayed))
            if group["nesterov"]:
                grad = multiply_add(buffer._data, dtype(momentum), grad)
            else:
                grad = buffer._data
        write_(param, multiply_add(grad, dtype(-group["lr"]), param._data))
