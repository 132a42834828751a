"""In-place ops: compute out of place, then write the result into the tensor.

Writing bumps the tensor's version counter, so a backward that saved the
old values refuses to run, as PyTorch does. A leaf that requires grad
refuses in-place changes while grad mode is on. `t[key] = v` is one of them (`setitem`),
recorded through the nodes of `ops.index_put`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad import backend
from minigrad._creation import checked_fill_value
from minigrad._tensor import Tensor
from minigrad.autograd import forward_ad as _fw
from minigrad.autograd import function, grad_mode
from minigrad.autograd.function import BackwardFunction, Function
from minigrad.autograd.graph import SavedTensor
from minigrad.backend import exact
from minigrad.ops import _formula
from minigrad.ops._formula import ArrayOrTensor
from minigrad.ops._util import cpp_type_name, scalar_type_name
from minigrad.ops.index_put import IndexPut, multi_output_view_message, rebase_history
from minigrad.ops.pointwise import _ZeroGradient, add
from minigrad.ops.shape import getitem, is_full_slice

__all__ = ["add_", "apply_inplace", "copy_", "fill_", "setitem", "zero_"]


def check_inplace_allowed(tensor: Tensor) -> None:
    """PyTorch's error for an in-place change it refuses (a leaf that requires grad, an
    inference tensor outside inference mode, a view that split/unbind returned)."""
    if tensor._is_inference and not grad_mode._state.inference:
        raise RuntimeError(
            "Inplace update to inference tensor outside InferenceMode is not allowed.You can "
            "make a clone to get a normal tensor before doing inplace update.See "
            "https://github.com/pytorch/rfcs/pull/17 for more details."
        )
    if not grad_mode._state.enabled:
        return
    if tensor._multi_output_view and tensor._requires_grad:
        raise RuntimeError(multi_output_view_message(tensor, through_base=False))
    if tensor._requires_grad and tensor.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    base = tensor._base
    if base is not None and base._requires_grad and base.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")


def apply_inplace(tensor: Tensor, op: Callable[..., Tensor], *args: Any, **kwargs: Any
                  ) -> Tensor:
    """Run `op(tensor, *args)` and store the result in `tensor`, taking over its history."""
    check_inplace_allowed(tensor)
    records = grad_mode._state.enabled and (
        tensor._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args))
    source = tensor
    if records and tensor._multi_output_view:  # another argument requires grad
        raise RuntimeError(multi_output_view_message(tensor, through_base=False))
    if records:
        # The op's node may save its input: give it the old values, not the ones we overwrite.
        source = Tensor._wrap(tensor._data.copy(), tensor._requires_grad)
        source.grad_fn, source._output_nr = tensor.grad_fn, tensor._output_nr
    forward_mode = function._forward_hook is not None
    if forward_mode and source is not tensor:
        _fw.copy_tangent(tensor, source)
    result = op(source, *args, **kwargs)
    _write(tensor, result._data, getattr(op, "__name__", ""))
    if forward_mode:
        _fw.copy_tangent(result, tensor)
    if records and result.grad_fn is not None:
        _saved_result_is(result, tensor)
        old_node, old_output_nr = tensor._grad_fn, tensor._output_nr
        if tensor._base is not None:  # the base changed too: its history goes through the op
            rebase_history(tensor, result.grad_fn)
        else:
            tensor.grad_fn, tensor._output_nr = result.grad_fn, result._output_nr
            tensor._requires_grad = True
        if tensor._retains_grad:  # `.grad` is the gradient of the values as they are now
            if old_node is not None and old_node._retained:
                old_node._retained.pop(old_output_nr, None)
            tensor._grad_fn._retain_grad_of(tensor)
    return tensor


def add_(tensor: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """`tensor.add_(other, alpha=...)`, as `apply_inplace` runs it.

    An optimizer's update (nothing recorded, no forward mode, float32 tensors of one shape,
    the target in rows) writes the fused multiply-add straight into the tensor's memory:
    the same bits, without a fresh result to fault in and copy (a fifth of an MLP's SGD step).
    """
    other = args[0] if len(args) == 1 else None
    alpha = kwargs.get("alpha", 1)
    if (type(other) is Tensor and len(kwargs) == 1 and type(alpha) in (int, float)
            and not grad_mode._state.enabled and function._forward_hook is None):
        target, values = tensor._data, other._data
        if (type(target) is np.ndarray and type(values) is np.ndarray
                and target.dtype == np.float32 and values.dtype == np.float32
                and target.shape == values.shape and target.flags.c_contiguous
                and target.flags.writeable):
            check_inplace_allowed(tensor)
            exact.add_scaled(target, values, alpha, out=target)
            tensor._version_counter.value += 1
            return tensor
    return apply_inplace(tensor, add, *args, **kwargs)


def _saved_result_is(result: Tensor, tensor: Tensor) -> None:
    """A node that saved its result saved, in PyTorch, the tensor written in place, at its
    version after the write: a later change shows in its error (`output 0 of Exp`)."""
    for saved in result.grad_fn._saved or ():
        if type(saved) is SavedTensor and saved._is_output and saved._data is result._data:
            saved._data, saved._version_counter = tensor._data, tensor._version_counter
            saved._saved_version = tensor._version_counter.value


def _write(tensor: Tensor, values: np.ndarray, op_name: str) -> None:
    target = tensor._data
    if 0 in target.strides and target.size and any(
            stride == 0 and size > 1 for stride, size in zip(target.strides, target.shape)):
        # An expanded tensor: one memory location behind several elements.
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")
    if values.shape != target.shape:
        raise RuntimeError(f"output with shape {list(target.shape)} doesn't match the broadcast "
                           f"shape {list(values.shape)}")
    if values.dtype != target.dtype and not np.can_cast(values.dtype, target.dtype,
                                                        casting="same_kind"):
        # clamp_'s check prints C++'s type names, the others PyTorch's (Long).
        name = (cpp_type_name(target.dtype) if op_name.startswith("clamp")
                else scalar_type_name(target.dtype))
        raise RuntimeError(f"result type {scalar_type_name(values.dtype)} can't be cast to the "
                           f"desired output type {name}")
    np.copyto(target, values, casting="unsafe")
    tensor._version_counter.value += 1


class Fill(_ZeroGradient, node_name="FillBackward2"):
    """Every element becomes the number `value`: nothing flows back to the old values."""

    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, value: float = 0) -> np.ndarray:
        return np.full_like(x._data, value)


class Zero(Fill, node_name="ZeroBackward0"):
    aten_name = "aten::zero_"


class FillWithTensor(Function, node_name="FillBackward3"):
    """Every element becomes the one value of a 0-d tensor, which gets the summed gradient."""

    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, value: Tensor) -> np.ndarray:
        return np.full_like(x._data, value._data)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> tuple[ArrayOrTensor, ArrayOrTensor]:
        return _formula.zeros_like(grad), grad.sum()

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_x: Tensor | None, tangent_value: Tensor | None
            ) -> Tensor:
        if tangent_value is None:
            return _formula.zeros_like(tangent_x)
        # The value is 0-d: any dims of its tangent are a batch of tangents (vectorized).
        batch, shape = tuple(tangent_value.shape), tuple(ctx.primal_inputs[0].shape)
        spread = tangent_value.reshape(*batch, *(1 for _ in shape))
        return spread.expand(*batch, *shape).contiguous()


def fill_(tensor: Tensor, value: Any) -> Tensor:
    """Set every element to `value`, a number or a 0-d tensor."""
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        return apply_inplace(tensor, FillWithTensor.apply, value)
    if isinstance(value, (int, float, np.number)):  # PyTorch's error for one that overflows
        value = checked_fill_value(value, tensor._data.dtype, "fill_(): argument 'value'")
    return apply_inplace(tensor, lambda t: Fill.apply(t, value=value))


def zero_(tensor: Tensor) -> Tensor:
    """Set every element to zero."""
    return apply_inplace(tensor, lambda t: Zero.apply(t, value=0))


class Copy(Function, node_name="CopyBackwards"):
    """`dst.copy_(src)`: the result is `src`, broadcast, cast and moved to `dst`'s device.

    `src`'s gradient goes back to `src`'s device.
    """
    aten_name = "aten::copy_"

    _scalar_inputs_are_edges = True

    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, dst: Tensor, src: Tensor) -> np.ndarray:
        values = src._data
        ctx.src_device = backend.device_of(values)
        if type(values) is not type(dst._data):
            values = backend.to_device(values, dst.device)
        return np.broadcast_to(values, dst._data.shape).astype(dst._data.dtype)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        return grad * 0, grad.to(ctx.src_device)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_dst: Tensor | None, tangent_src: Tensor | None
            ) -> Tensor:
        dst, src = ctx.primal_inputs
        if tangent_src is None:
            return tangent_dst * 0
        lead = _fw.batch_dims(tangent_src, src)
        return _fw.lift(tangent_src, src, dst.ndim).expand(*tangent_src.shape[:lead], *dst.shape)


def _qualified_copy_name(node: BackwardFunction) -> str:
    """copy_'s node name as PyTorch gives it: a hand-written C++ node, named with its
    namespace (as `torch::autograd::AccumulateGrad`), while its class is `CopyBackwards`."""
    return f"torch::autograd::{type(node).__name__}"


Copy._backward_cls.name = _qualified_copy_name  # type: ignore[method-assign]


def copy_(tensor: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy the values of `src` (broadcast to this shape) into this tensor."""
    return apply_inplace(tensor, Copy.apply, src)


# Writing into part of a tensor ------------------------------------------------------------


def _is_basic(key: Any) -> bool:
    """Whether `key` only slices (ints, slices, None, ...), so `t[key]` is a view."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, (int, np.integer, slice)) or k is None or k is Ellipsis
               for k in parts) and not any(isinstance(k, bool) for k in parts)


def _selects_everything(parts: tuple[Any, ...], shape: tuple[int, ...]) -> bool:
    """Whether a slicing key is only `...` and slices PyTorch skips (`:`, `0:10` of 3)."""
    if not all(k is Ellipsis or isinstance(k, slice) for k in parts):
        return False
    ellipses = [i for i, k in enumerate(parts) if k is Ellipsis]
    if len(ellipses) > 1:
        return False
    before, after = (parts[:ellipses[0]], parts[ellipses[0] + 1:]) if ellipses else (parts, ())
    if len(before) + len(after) > len(shape):
        return False  # too many indices: indexing raises PyTorch's error
    sizes = (*shape[:len(before)], *shape[len(shape) - len(after):])
    return all(is_full_slice(k, size) for k, size in zip((*before, *after), sizes))


def _array_key(key: Any) -> Any:
    if isinstance(key, Tensor):
        return key._data
    if isinstance(key, tuple):
        return tuple(k._data if isinstance(k, Tensor) else k for k in key)
    return key


def setitem(tensor: Tensor, key: Any, value: Any) -> None:
    """`tensor[key] = value`: an in-place write, recorded when autograd tracks either side.

    Slicing keys write through a view (`CopySlices`, as PyTorch); indexing keys
    (lists, tensors, masks) record one `IndexPutBackward0`. The in-place op checks
    what may be written (so a leaf's slice gives PyTorch's error about a view).
    """
    value_tracked = isinstance(value, Tensor) and value._requires_grad
    recorded = grad_mode._state.enabled and (tensor._requires_grad or value_tracked)
    forward_mode = function._forward_hook is not None  # tangents go through the ops too
    if not (recorded or forward_mode):
        check_inplace_allowed(tensor)
        tensor._data[_array_key(key)] = value._data if isinstance(value, Tensor) else value
        tensor._version_counter.value += 1
        return
    if _is_basic(key):
        if not isinstance(value, Tensor):
            value = Tensor._wrap(backend.array_module(tensor._data).asarray(
                value, dtype=tensor._data.dtype))
        parts = key if isinstance(key, tuple) else (key,)
        # As in PyTorch, full slices and `...` select nothing: the write goes to the tensor.
        target = tensor if _selects_everything(parts, tensor._data.shape) else getitem(tensor, key)
        # As PyTorch: values of the region's shape are copied in; one value (a number or a
        # 0-d tensor) fills a region of any other shape.
        if value._data.ndim == 0 and target._data.shape != ():
            fill_(target, value)
        else:
            copy_(target, value)
        return
    apply_inplace(tensor, IndexPut.apply, value, key=_array_key(key))
