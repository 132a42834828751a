"""`Adam`: steps scaled by running averages of the gradient and of its square."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from minigrad._tensor import Tensor
from minigrad.backend.exact import fused_multiply_add
from minigrad.optim.optimizer import Optimizer, ParamGroup, write_

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam: each weight gets its own step size, from the gradient's mean and variance so far.

    Follows PyTorch's single-tensor update step by step, in the parameters'
    precision. `amsgrad` keeps the largest second moment seen instead of the
    latest; `decoupled_weight_decay` shrinks the weights directly (AdamW).
    `foreach` and `fused` only pick among PyTorch's kernels; minigrad has one.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if differentiable or capturable:
            raise NotImplementedError("minigrad's Adam is neither differentiable nor capturable")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _update_group(self, group: ParamGroup) -> None:
        for param in group["params"]:
            if param.grad is not None:
                self._update(param, param.grad._data, group)

    def _state_of(self, param: Tensor, amsgrad: bool) -> dict[str, Any]:
        state = self.state[param]
        if not state:
            state["step"] = Tensor._wrap(np.zeros((), np.float32))
            state["exp_avg"] = Tensor._wrap(np.zeros_like(param._data))
            state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(param._data))
            if amsgrad:
                state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(param._data))
        return state

    def _update(self, param: Tensor, grad: np.ndarray, group: ParamGroup) -> None:
        dtype = param._data.dtype.type
        lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
        state = self._state_of(param, group["amsgrad"])
        if group["maximize"]:
            grad = -grad
        write_(state["step"], state["step"]._data + 1)
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                write_(param, param._data * dtype(1 - lr * weight_decay))
            else:
                grad = fused_multiply_add(param._data, dtype(weight_decay), grad)

        # First moment: exp_avg moves a fraction 1 - beta1 of the way to grad (PyTorch's lerp).
        exp_avg = state["exp_avg"]
        weight = dtype(1 - beta1)
        if abs(weight) < 0.5:
            write_(exp_avg, fused_multiply_add(grad - exp_avg._data, weight, exp_avg._data))
        else:
            write_(exp_avg, fused_multiply_add(grad - exp_avg._data, weight - dtype(1), grad))
        # Second moment: exp_avg_sq * beta2 + (1 - beta2) * grad².
        exp_avg_sq = state["exp_avg_sq"]
        decayed = exp_avg_sq._data * dtype(beta2)
        write_(exp_avg_sq, fused_multiply_add(dtype(1 - beta2) * grad, grad, decayed))

        step = float(state["step"]._data)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        second_moment = exp_avg_sq
        if group["amsgrad"]:
            second_moment = state["max_exp_avg_sq"]
            write_(second_moment, np.maximum(second_moment._data, exp_avg_sq._data))
        denominator = (np.sqrt(second_moment._data) / dtype(bias_correction2**0.5)
                       + dtype(group["eps"]))
        write_(param, param._data + dtype(-step_size) * exp_avg._data / denominator)
