"""The backward graph: nodes, the leaf accumulators, and saved tensors.

Every result of a differentiable op gets a `grad_fn` node named like
PyTorch's (`SinBackward0`); its `next_functions` lead to the nodes of the
op's inputs: `(node, input_nr)`, `(None, 0)` for a constant, and an
`AccumulateGrad` for a leaf that requires grad.
"""

from __future__ import annotations

import itertools
import math
import re
import sys
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad.autograd import grad_mode

if TYPE_CHECKING:
    from minigrad._tensor import Tensor

__all__ = ["AccumulateGrad", "Node", "SavedNumber", "SavedTensor"]

Edge = tuple["Node | None", int]

_sequence_numbers = itertools.count()

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)

_TENSOR_TYPE_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
}


def _short_name(node: Node) -> str:
    """`ExpBackward0` -> `Exp`, as PyTorch names a node in its in-place error."""
    return re.sub(r"Backward\d*$", "", node.name())


class Node:
    """One step of the backward pass, recorded when an op ran forward.

    `apply` takes the gradients of the op's outputs and returns one gradient
    per entry of `next_functions` (None where nothing flows back).
    """

    # Class-level defaults keep making a node cheap: most nodes never get hooks.
    next_functions: tuple[Edge, ...] = ()
    # Shape and dtype of each forward input, to reduce broadcast gradients.
    _input_metadata: tuple[tuple[tuple[int, ...], Any] | None, ...] = ()
    # Shape and dtype of each output, to fill in gradients that never arrive.
    _output_metadata: tuple[tuple[tuple[int, ...], Any], ...] = ()
    # What forward saved, one entry per item: None, an input tensor saved before any in-place
    # change (so at version 0: most are, and they need no wrapper), a SavedTensor, or a
    # Python number (a built-in op's scalar operand, kept as PyTorch keeps a wrapped number).
    _saved: tuple[Tensor | SavedTensor | SavedNumber | None, ...] | None = None
    _released = False
    _pre_hooks: list[Callable[..., Any]] | tuple[()] = ()
    _post_hooks: list[Callable[..., Any]] | tuple[()] = ()
    _tensor_pre_hooks: dict[int, list[Callable[..., Any]]] | None = None
    _retained: dict[int, weakref.ref[Tensor]] | None = None
    # True while the engine runs this node's formula on arrays rather than tensors.
    _on_arrays = False

    # Ready nodes run highest sequence number first: the op recorded last runs first.
    # Function.apply numbers a node when it records it (unrecorded ops pay nothing).
    _sequence_nr: float = 0

    def name(self) -> str:
        """The node's class name, such as `SinBackward0`."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def apply(self, grad_outputs: Sequence[Tensor]) -> tuple[Tensor | None, ...]:
        """Gradients for the inputs, given the gradients of the outputs."""
        raise NotImplementedError

    def _apply_arrays(self, grad_outputs: Sequence[Any]) -> tuple[Any, ...]:
        """`apply` for the engine's array mode; this default runs the tensor formula."""
        from minigrad._tensor import Tensor

        grads = self.apply([None if g is None else Tensor._wrap(g) for g in grad_outputs])
        return tuple([None if g is None else g._data for g in grads])

    def __call__(self, *grad_outputs: Tensor) -> tuple[Tensor | None, ...] | Tensor | None:
        """Run this node's backward directly, as PyTorch's nodes allow."""
        grads = self.apply(grad_outputs)
        return grads[0] if len(grads) == 1 else grads

    def register_hook(self, hook: Callable[..., Any]) -> _RemovableHandle:
        """Call `hook(grad_inputs, grad_outputs)` after the node runs; it may return new ones."""
        if not self._post_hooks:
            self._post_hooks = []
        self._post_hooks.append(hook)
        return _RemovableHandle(self._post_hooks, hook)

    def register_prehook(self, hook: Callable[..., Any]) -> _RemovableHandle:
        """Call `hook(grad_outputs)` before the node runs; it may return new grad_outputs."""
        if not self._pre_hooks:
            self._pre_hooks = []
        self._pre_hooks.append(hook)
        return _RemovableHandle(self._pre_hooks, hook)

    def _register_tensor_hook(self, output_nr: int, hook: Callable[..., Any]) -> _RemovableHandle:
        if self._tensor_pre_hooks is None:
            self._tensor_pre_hooks = {}
        hooks = self._tensor_pre_hooks.setdefault(output_nr, [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    # Saved tensors -------------------------------------------------------

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The tensors saved for backward, checked against in-place changes.

        While the engine runs a formula on arrays (no `create_graph`), they are arrays.
        """
        saved = self._saved
        if saved is None:
            if self._released:
                raise RuntimeError(_FREED_MESSAGE)
            return ()
        as_array = self._on_arrays
        return tuple([_unpack(self, item, as_array) for item in saved])

    def _retain_grad_of(self, tensor: Tensor) -> None:
        """Fill `tensor.grad` (an output of this node) when its gradient passes by."""
        if self._retained is None:
            self._retained = {}
        self._retained[tensor._output_nr] = weakref.ref(tensor)

    def _release_saved(self) -> None:
        """Free the saved values (backward is done with them, and no retain_graph)."""
        for item in self._saved or ():
            if item is not None:  # something was saved: from now on it is gone
                self._saved = None
                self._released = True
                return

    def __getattr__(self, attr: str) -> Any:
        # `_saved_self`, `_saved_result`, ... as PyTorch exposes them.
        names = getattr(type(self), "_names_of_saved", ())
        if attr.startswith("_saved_") and attr[7:] in names:
            saved = self._saved
            if saved is not None:
                item = saved[names.index(attr[7:])]
                if type(item) in _SAVED_NUMBER_TYPES:
                    return _wrapped_number(item)
                return _unpack(self, item, as_array=False)
            if self._released:
                raise RuntimeError(_FREED_MESSAGE)
        raise AttributeError(f"'{self.name()}' object has no attribute '{attr}'")

    def __dir__(self) -> list[str]:
        names = getattr(type(self), "_names_of_saved", ())
        return sorted(set(super().__dir__()) | {f"_saved_{n}" for n in names})


class AccumulateGrad(Node):
    """The node behind a leaf that requires grad: adds what arrives to `variable.grad`."""

    def __init__(self, variable: Tensor) -> None:
        super().__init__()
        self.variable = variable
        # Accumulators run as soon as they are ready, as in PyTorch.
        self._sequence_nr = math.inf
        self._output_metadata = ((variable.shape, variable._data.dtype),)

    def name(self) -> str:
        """PyTorch's C++ name of this node kind."""
        return "torch::autograd::AccumulateGrad"

    def apply(self, grad_outputs: Sequence[Tensor]) -> tuple[Tensor | None, ...]:
        # The engine turns grad mode on exactly when the backward pass records a graph.
        self.variable._accumulate_grad(grad_outputs[0], keep_graph=grad_mode._state.enabled)
        return ()

    def _apply_arrays(self, grad_outputs: Sequence[Any]) -> tuple[Any, ...]:
        """Accumulate an array gradient, keeping the array itself when nothing else holds it."""
        from minigrad._tensor import Tensor

        grad = grad_outputs[0]
        unshared = _is_unshared(grad)
        self.variable._accumulate_grad(Tensor._wrap(grad), keep_graph=False, unshared=unshared)
        return ()


def _is_unshared(grad: Any) -> bool:
    """Whether only the engine refers to `grad`'s memory, so a leaf's `.grad` may keep it.

    The engine's list, the caller's variable, this function's argument and
    getrefcount's make 4 references; a view counts when only it holds its base.
    """
    writeable = getattr(grad.flags, "writeable", True)  # CuPy's flags lack it: all are
    if sys.getrefcount(grad) > 4 or not writeable or not grad.flags.c_contiguous:
        return False
    return grad.base is None or sys.getrefcount(grad.base) <= 2


def _unpack(node: Node, item: Tensor | SavedTensor | SavedNumber | None, as_array: bool
            ) -> Any:
    """One saved item as a tensor (or its array), checked against in-place changes.

    A saved Python number comes back as itself: a formula computes with it as with the
    scalar operand forward had, so it promotes no dtype.
    """
    if item is None:
        return None
    kind = type(item)
    if kind is SavedTensor:
        return item.unpack_array(node) if as_array else item.unpack(node)
    if kind in _SAVED_NUMBER_TYPES:
        return item
    counter = item._counter  # an input saved at version 0
    if counter is not None and counter.value != 0:
        raise RuntimeError(_modified_message(item._data, item.grad_fn, item._output_nr, 0,
                                             counter.value))
    return item._data if as_array else item


SavedNumber = bool | int | float
# Exact types: a NumPy scalar or a 0-d tensor is not a Python number here.
_SAVED_NUMBER_TYPES = frozenset({bool, int, float})


def _wrapped_number(number: SavedNumber) -> Tensor:
    """A saved Python number as PyTorch shows it: a 0-d bool, int64 or float64 tensor."""
    from minigrad._tensor import Tensor

    dtype = np.bool_ if type(number) is bool else np.int64 if type(number) is int else np.float64
    return Tensor._wrap(np.asarray(number, dtype=dtype))


class SavedTensor:
    """A tensor kept for backward with the version it had when saved.

    An op's own output is kept as its array (not the tensor), so the node and
    its result do not point at each other: no reference cycle to collect.
    """

    __slots__ = (
        "_data",
        "_output_nr",
        "_requires_grad",
        "_saved_version",
        "_tensor",
        "_version_counter",
    )

    def __init__(self, tensor: Tensor, is_output: bool) -> None:
        self._output_nr = tensor._output_nr
        self._version_counter = tensor._version_counter
        self._saved_version = self._version_counter.value
        if is_output:
            # The counter is taken now: the saved array alone could not reach it later.
            self._requires_grad = tensor._requires_grad
            self._data = tensor._data
            self._tensor = None
        else:
            self._data = None
            self._tensor = tensor

    @property
    def _is_output(self) -> bool:
        return self._tensor is None

    def unpack_array(self, node: Node) -> Any:
        """The saved values as an array, or PyTorch's error if changed in place."""
        current = self._version_counter.value
        data = self._data if self._tensor is None else self._tensor._data
        if current != self._saved_version:
            # PyTorch names the op that made the tensor as it is now (the in-place op, often).
            producer = node if self._tensor is None else self._tensor.grad_fn
            raise RuntimeError(_modified_message(data, producer, self._output_nr,
                                                 self._saved_version, current))
        return data

    def unpack(self, node: Node) -> Tensor:
        """The saved tensor, checked as `unpack_array` checks it."""
        from minigrad._tensor import Tensor

        data = self.unpack_array(node)
        if self._tensor is not None:
            return self._tensor
        tensor = Tensor._wrap(data, self._requires_grad)
        tensor._version_counter = self._version_counter
        if self._requires_grad:
            tensor.grad_fn = node
            tensor._output_nr = self._output_nr
        return tensor


def _modified_message(data: Any, producer: Node | None, output_nr: int, saved_version: int,
                      current: int) -> str:
    """PyTorch's error for a saved tensor changed in place since it was saved."""
    type_name = _TENSOR_TYPE_NAMES.get(data.dtype.name, "Tensor")
    shape = ", ".join(str(n) for n in data.shape)
    where = ""
    if producer is not None:
        where = f", which is output {output_nr} of {_short_name(producer)},"
    return (
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [torch.{type_name} [{shape}]]{where} is at version {current}; "
        f"expected version {saved_version} instead. Hint: enable anomaly detection to "
        "find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


class _RemovableHandle:
    """Returned by `register_hook`: `handle.remove()` takes the hook off again."""

    def __init__(self, hooks: list[Callable[..., Any]], hook: Callable[..., Any]) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
