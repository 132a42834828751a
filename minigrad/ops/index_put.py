"""Writing into part of a tensor, recorded in the graph as PyTorch records it.

`t[mask] = v` is one `IndexPutBackward0` node. `t[0] = v`, and any in-place
op on a view of a tensor autograd tracks, changes the view's *base*: the base's
history is rebased onto a `CopySlices` node, which sends the gradient of the
written region through the in-place op's node and the rest straight on, and the
view gets an `AsStridedBackward0` node that reads its region of the new base.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import backend
from minigrad._tensor import Tensor
from minigrad.autograd import function, grad_mode
from minigrad.autograd.function import BackwardFunction, Function, _edge_to
from minigrad.autograd.graph import Node, _sequence_numbers, _short_name
from minigrad.ops import _formula
from minigrad.ops.shape import is_full_slice

__all__ = ["CopySlices", "multi_output_view_message", "rebase_history", "remake_view_history",
           "setitem"]


class IndexPut(Function, node_name="IndexPutBackward0"):
    """`self` with `values` written at `key`: the gradient of the overwritten places goes to
    `values`, the rest to `self`."""
    aten_name = "aten::index_put_"

    _scalar_inputs_are_edges = True  # `t[mask] = 5.0` still has an edge for the value

    @staticmethod
    def forward(ctx: BackwardFunction, input: Tensor, values: Any, key: Any = ()) -> Any:
        ctx.key = key
        result = input._data.copy()
        result[key] = values._data if isinstance(values, Tensor) else values
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        # The engine sums the values' gradient back to their shape if they were broadcast.
        return IndexPut.apply(grad, 0.0, key=ctx.key), grad[ctx.key]


class _Gather(Function, node_name="AsStridedBackward0"):
    """The elements at flat `positions` of a tensor, in `shape`: how a rebased view reads
    its region of the base (PyTorch names the node for its `as_strided`)."""

    @staticmethod
    def forward(ctx: BackwardFunction, base: Tensor, positions: Any = None,
                shape: tuple[int, ...] = ()) -> Any:
        ctx.positions, ctx.base_shape = positions, base._data.shape
        return base._data.reshape(-1)[positions].reshape(shape)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        zeros = _formula.zeros((int(np.prod(ctx.base_shape)),), grad)
        return _ScatterAdd.apply(zeros, grad.reshape(-1), key=ctx.positions).reshape(
            ctx.base_shape)


class _ScatterAdd(Function, node_name="IndexPutBackward0"):
    """`input` with `values` added at `key` (repeated places add up)."""

    aten_name = "aten::index_put_"

    @staticmethod
    def forward(ctx: BackwardFunction, input: Tensor, values: Tensor, key: Any = None) -> Any:
        ctx.key = key
        result = input._data.copy()
        backend.array_module(result).add.at(result, key, values._data)
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        return grad, grad[ctx.key]


class CopySlices(Node):
    """The base of a view that was changed in place: `fn`, the in-place op's node, gets the
    gradient of the view's region; the rest of the gradient passes to the base's old history.
    """

    def __init__(self, base: Tensor, positions: Any, view_shape: tuple[int, ...],
                 fn: Node) -> None:
        self.fn = fn
        self._positions = positions
        self._view_shape = view_shape
        self._sequence_nr = next(_sequence_numbers)
        base_metadata = (base._data.shape, base._data.dtype)
        self.next_functions = (_edge_to(base), *fn.next_functions[1:])
        self._output_metadata = (base_metadata,)
        self._saved = ()  # what it keeps is `fn`'s: freed with it

    def name(self) -> str:
        """PyTorch's C++ name of this node kind."""
        return "torch::autograd::CopySlices"

    def apply(self, grad_outputs: Sequence[Tensor]) -> tuple[Tensor | None, ...]:
        grad = grad_outputs[0]
        flat = grad.reshape(-1)
        region = flat[self._positions].reshape(self._view_shape)
        grad_view, *grad_others = self.fn.apply([region])
        written = 0.0 if grad_view is None else grad_view.reshape(-1)
        grad_base = IndexPut.apply(flat, written, key=self._positions).reshape(grad.shape)
        return (grad_base, *grad_others)

    def _release_saved(self) -> None:
        self.fn._release_saved()
        self._released = self.fn._released


def _address(array: Any) -> int:
    interface = getattr(array, "__array_interface__", None)
    return interface["data"][0] if interface is not None else array.data.ptr


def _byte_offsets(array: Any, origin: int) -> np.ndarray:
    """The byte offset from `origin` of every element of `array`, in `array`'s shape."""
    offsets = np.full(array.shape, _address(array) - origin, dtype=np.int64)
    for dim, (size, stride) in enumerate(zip(array.shape, array.strides)):
        shape = [1] * array.ndim
        shape[dim] = size
        offsets += (np.arange(size, dtype=np.int64) * stride).reshape(shape)
    return offsets


def _positions_in_base(view: Any, base: Any) -> Any:
    """Where each element of `view` (in row-major order) sits in `base`, as flat indices."""
    origin = _address(base)
    base_offsets = _byte_offsets(base, origin).reshape(-1)
    order = np.argsort(base_offsets, kind="stable")
    view_offsets = _byte_offsets(view, origin).reshape(-1)
    sorted_offsets = base_offsets[order]
    slots = np.minimum(np.searchsorted(sorted_offsets, view_offsets), max(base_offsets.size - 1, 0))
    if view_offsets.size and not np.array_equal(sorted_offsets[slots], view_offsets):
        raise RuntimeError("minigrad internal error: a view does not share memory with its base")
    return backend.to_device(order[slots], backend.device_of(base))


def rebase_history(view: Tensor, fn: Node) -> None:
    """After `fn` changed `view` in place: give its base a `CopySlices` node and the view an
    `AsStridedBackward0` node that reads the view's region of the base."""
    base = view._base
    assert base is not None
    positions = _positions_in_base(view._data, base._data)
    base.grad_fn = CopySlices(base, positions, view._data.shape, fn)
    base._output_nr = 0
    base._requires_grad = True
    _read_region_of_base(view, positions)


def _read_region_of_base(view: Tensor, positions: Any) -> None:
    """Give `view` the node that reads its region (`positions`) of its base's history."""
    with grad_mode.enable_grad():
        node = _Gather.apply(view._base, positions=positions, shape=view._data.shape).grad_fn
    view.grad_fn, view._output_nr, view._requires_grad = node, 0, True


def remake_view_history(view: Tensor) -> None:
    """A view whose base changed in place since its node was made: its new node reads its
    region of the base as the base is now (PyTorch's regenerated `AsStridedBackward0`).

    One of several views returned by one op (split, unbind) cannot be remade: PyTorch's
    error.
    """
    base = view._base
    assert base is not None
    if view._grad_fn is None and not base._requires_grad:
        view._view_version = view._counter.value  # nothing to remake: no history either way
        return
    if view._multi_output_view:
        raise RuntimeError(multi_output_view_message(view, through_base=True))
    _read_region_of_base(view, _positions_in_base(view._data, base._data))


def multi_output_view_message(view: Tensor, through_base: bool) -> str:
    """PyTorch's error for an in-place change of a view that split/unbind returned."""
    node = view._grad_fn
    what = ("its base or another view of its base has been modified inplace" if through_base
            else "is being modified inplace")
    if node is not None:
        start = f"Output {view._output_nr} of {_short_name(node)} is a view and {what}."
    else:  # no node: PyTorch words it as for a view made without grad
        start = f"A view was created in no_grad mode and {what} with grad mode enabled."
    return (f"{start} This view is the output of a function that returns multiple views. Such "
            "functions do not allow the output views to be modified inplace. You should replace "
            "the inplace operation by an out-of-place one.")


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
    from minigrad import ops

    value_tracked = isinstance(value, Tensor) and value._requires_grad
    recorded = grad_mode._state.enabled and (tensor._requires_grad or value_tracked)
    forward_mode = function._forward_hook is not None  # tangents go through the ops too
    if not (recorded or forward_mode):
        ops.inplace.check_inplace_allowed(tensor)
        tensor._data[_array_key(key)] = value._data if isinstance(value, Tensor) else value
        tensor._version_counter.value += 1
        return
    if _is_basic(key):
        if not isinstance(value, Tensor):
            value = Tensor._wrap(backend.array_module(tensor._data).asarray(
                value, dtype=tensor._data.dtype))
        parts = key if isinstance(key, tuple) else (key,)
        # As in PyTorch, full slices and `...` select nothing: the write goes to the tensor.
        target = tensor if _selects_everything(parts, tensor._data.shape) else ops.getitem(
            tensor, key)
        # As PyTorch: values of the region's shape are copied in; one value (a number or a
        # 0-d tensor) fills a region of any other shape.
        if value._data.ndim == 0 and target._data.shape != ():
            ops.fill_(target, value)
        else:
            ops.copy_(target, value)
        return
    ops.apply_inplace(tensor, IndexPut.apply, value, key=_array_key(key))
