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
from minigrad.autograd import grad_mode
from minigrad.autograd.function import BackwardFunction, Function, _edge_to
from minigrad.autograd.graph import Node, _sequence_numbers, _short_name
from minigrad.ops import _formula

__all__ = ["CopySlices", "IndexPut", "multi_output_view_message", "rebase_history",
           "remake_view_history"]


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
