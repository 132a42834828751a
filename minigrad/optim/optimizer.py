"""`Optimizer`: the base of SGD and Adam, holding parameter groups and per-parameter state.

An optimizer keeps `param_groups` (lists of parameters, each with its
settings such as `lr`) and `state` (momentum buffers and the like, per
parameter). `step()` updates the parameters in place from their `.grad`,
under `no_grad`; `zero_grad()` clears the gradients before the next backward.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from minigrad._tensor import Tensor
from minigrad.autograd.grad_mode import enable_grad, no_grad
from minigrad.autograd.profiler import record_function
from minigrad.nn.module import _typename

__all__ = ["Optimizer"]

ParamGroup = dict[str, Any]


def write_(tensor: Tensor, values: np.ndarray) -> None:
    """Store `values` in `tensor` in place, counting it as an in-place change."""
    np.copyto(tensor._data, values)
    tensor._version_counter.value += 1


class Optimizer:
    """Updates parameters from their gradients; subclasses define the update rule.

    `params` is an iterable of tensors, of `(name, tensor)` pairs, or of dicts
    (parameter groups) with a "params" entry and settings that override
    `defaults` for that group.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[ParamGroup] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: ParamGroup) -> None:
        """Add a group of parameters with its own settings (e.g. to unfreeze a layer later)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(params):
            raise ValueError("all optimizer params should be with/without names. Some param "
                             "names are missing")
        param_group["params"] = params
        if names:
            param_group["param_names"] = names
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        known = {id(p) for group in self.param_groups for p in group["params"]}
        for group in self.param_groups:
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if any(id(p) in known for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: to None, or to zeros with set_to_none=False."""
        with record_function(f"Optimizer.zero_grad#{type(self).__name__}.zero_grad"):
            for group in self.param_groups:
                for param in group["params"]:
                    param._clear_grad(set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, once; `closure` recomputes the loss first."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad(), record_function(f"Optimizer.step#{type(self).__name__}.step"):
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group: ParamGroup) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """The settings and state, with parameters replaced by their position (0, 1, ...)."""
        index_of: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [index_of[id(param)] for param in group["params"]]
            groups.append(packed)
        state = {index_of[id(param)]: value for param, value in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take over settings and state saved by `state_dict()` of a matching optimizer."""
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(saved["params"]) != len(group["params"])
               for saved, group in zip(saved_groups, self.param_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        param_of = {index: param
                    for saved, group in zip(saved_groups, self.param_groups)
                    for index, param in zip(saved["params"], group["params"])}
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for index, values in state_dict["state"].items():
            if index in param_of:
                param = param_of[index]
                state[param] = {key: _copy_state(param, key, value)
                                for key, value in values.items()}
            else:
                state[index] = copy.deepcopy(values)
        for saved, group in zip(saved_groups, self.param_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.state = state
        self.param_groups = saved_groups

    def __repr__(self) -> str:
        text = f"{type(self).__name__} ("
        for index, group in enumerate(self.param_groups):
            text += f"\nParameter Group {index}\n"
            settings = sorted(key for key in group if key != "params")
            text += "".join(f"    {key}: {group[key]}\n" for key in settings)
        return text + ")"


def _copy_state(param: Tensor, key: str, value: Any) -> Any:
    """A copy of a saved state entry; tensors move to the parameter's device and take its
    dtype, as in PyTorch (`step` stays as it is, on the CPU)."""
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    copied = value.detach().clone()
    if key != "step":
        dtype = param.dtype if param.is_floating_point() else None
        copied = copied.to(device=param.device, dtype=dtype)
    return copied
