"""`SGD`: stochastic gradient descent, with optional momentum, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minigrad._tensor import Tensor
from minigrad.optim.optimizer import Optimizer, ParamGroup

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
                self._update(param, param.grad, group)

    def _update(self, param: Tensor, grad: Tensor, group: ParamGroup) -> None:
        """PyTorch's single-tensor SGD step, op for op (`step` runs it under no_grad)."""
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad.add(param, alpha=group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            state = self.state[param]
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = grad.clone().detach()
            else:
                buffer.mul_(momentum).add_(grad, alpha=1 - group["dampening"])
            grad = grad.add(buffer, alpha=momentum) if group["nesterov"] else buffer
        param.add_(grad, alpha=-group["lr"])
