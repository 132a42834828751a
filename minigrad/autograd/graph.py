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
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from minigrad._tensor import Tensor, _RemovableHandle
from minigrad.autograd import grad_mode

__all__ = ["AccumulateGrad", "GraphTask", "Node", "SavedNumber", "SavedTensor",
           "register_multi_grad_hook", "save_on_cpu", "saved_tensors_hooks"]

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
    """`ExpBackward0` -> `Exp`, `MaxBackward1` -> `Max1`, as PyTorch names a node in its
    in-place error; C++ nodes keep their names (`torch::autograd::CopyBackwards`)."""
    return re.sub(r"Backward0?(?=\d*$)", "", node.name())


class Node:
    """One step of the backward pass, recorded when an op ran forward.

    `apply` takes the gradients of the op's outputs and returns one gradient
    per entry of `next_functions` (None where nothing flows back).
    """

    # Class-level defaults keep making a node cheap: most nodes never get hooks.
    next_functions: tuple[Edge, ...] = ()
    # Shape and dtype of each output, to fill in gradients that never arrive and to check
    # (and reduce) the gradients the nodes after this one send it.
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
    # Set once any of the four above is: the engine looks for hooks only where this is.
    _has_hooks = False
    # The names of what a built-in op's node saves (`self`, `result`): see `BackwardFunction`.
    _names_of_saved: tuple[str, ...] = ()
    # True while the engine runs this node's formula on arrays rather than tensors.
    _on_arrays = False

    # Ready nodes run highest sequence number first: the op recorded last runs first.
    # Function.apply numbers a node when it records it (unrecorded ops pay nothing).
    _sequence_nr: float = 0

    def name(self) -> str:
        """The node's class name, such as `SinBackward0`."""
        return type(self).__name__

    @property
    def _input_metadata(self) -> tuple[tuple[tuple[int, ...], Any] | None, ...]:
        """Shape and dtype of the input behind each edge (None for an edge to nowhere): the
        gradient sent along an edge must have them."""
        return tuple([None if node is None else node._output_metadata[output_nr]
                      for node, output_nr in self.next_functions])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def apply(self, grad_outputs: Sequence[Tensor]) -> tuple[Tensor | None, ...]:
        """Gradients for the inputs, given the gradients of the outputs."""
        raise NotImplementedError

    def _apply_arrays(self, grad_outputs: Sequence[Any]) -> tuple[Any, ...]:
        """`apply` for the engine's array mode; this default runs the tensor formula."""
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
        self._has_hooks = True
        self._post_hooks.append(hook)
        return _RemovableHandle(self._post_hooks, hook)

    def register_prehook(self, hook: Callable[..., Any]) -> _RemovableHandle:
        """Call `hook(grad_outputs)` before the node runs; it may return new grad_outputs."""
        if not self._pre_hooks:
            self._pre_hooks = []
        self._has_hooks = True
        self._pre_hooks.append(hook)
        return _RemovableHandle(self._pre_hooks, hook)

    def _register_tensor_hook(self, output_nr: int, hook: Callable[..., Any]) -> _RemovableHandle:
        if self._tensor_pre_hooks is None:
            self._tensor_pre_hooks = {}
        self._has_hooks = True
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
        if len(saved) == 2:  # what binary ops save: spelled out, at half the cost of the loop
            a, b = saved
            # An input never changed in place, the common case: `_unpack` spelled out.
            return ((a._data if as_array else a) if isinstance(a, Tensor) and a._counter is None
                    else _unpack(self, a, as_array),
                    (b._data if as_array else b) if isinstance(b, Tensor) and b._counter is None
                    else _unpack(self, b, as_array))
        unpacked = []
        for item in saved:
            if isinstance(item, Tensor) and item._counter is None:
                unpacked.append(item._data if as_array else item)
            else:
                unpacked.append(_unpack(self, item, as_array))
        return tuple(unpacked)

    def _retain_grad_of(self, tensor: Tensor) -> None:
        """Fill `tensor.grad` (an output of this node) when its gradient passes by."""
        if self._retained is None:
            self._retained = {}
        self._has_hooks = True
        self._retained[tensor._output_nr] = weakref.ref(tensor)

    def _release_saved(self) -> None:
        """Free the saved values (backward is done with them, and no retain_graph)."""
        for item in self._saved or ():
            if item is not None:  # something was saved: from now on it is gone
                self._saved = None
                self._released = True
                return


def saved_value_properties(names: tuple[str, ...]) -> dict[str, property]:
    """`_saved_self`, `_saved_result`, ... as PyTorch's nodes expose what they saved, and
    `_raw_saved_self`, ... the saved slots themselves (to give them hooks), for a node
    class whose op saves `names`.

    Properties on the class, not a `__getattr__`: a class with one has every attribute read
    on its nodes take Python's slow path, forward and backward alike.
    """
    properties: dict[str, property] = {}
    for index, name in enumerate(names):
        properties[f"_saved_{name}"] = _saved_value_property(index, f"_saved_{name}")
        properties[f"_raw_saved_{name}"] = property(
            lambda node, index=index: RawSavedTensor(node, index),  # also once freed
            doc=f"The slot that saved `{name}`, to register hooks on.")
    return properties


def _saved_value_property(index: int, attr: str) -> property:
    def read(node: Node) -> Any:
        saved = node._saved
        if saved is None:
            if node._released:
                raise RuntimeError(_FREED_MESSAGE)
            raise AttributeError(f"'{node.name()}' object has no attribute '{attr}'")
        item = saved[index]
        if type(item) in _SAVED_NUMBER_TYPES:
            return _wrapped_number(item)
        return _unpack(node, item, as_array=False)

    return property(read, doc="A saved value, as PyTorch shows it.")


class AccumulateGrad(Node):
    """The node behind a leaf that requires grad: adds what arrives to `variable.grad`."""

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable
        # Accumulators run as soon as they are ready, as in PyTorch.
        self._sequence_nr = math.inf
        data = variable._data
        self._output_metadata = ((data.shape, data.dtype),)

    def name(self) -> str:
        """PyTorch's C++ name of this node kind."""
        return "torch::autograd::AccumulateGrad"

    @property  # type: ignore[override]
    def _has_hooks(self) -> bool:
        """Its own hooks, or its leaf's (`Tensor.register_hook` on a leaf)."""
        return self._own_hooks or bool(self.variable._backward_hooks)

    @_has_hooks.setter
    def _has_hooks(self, value: bool) -> None:
        self._own_hooks = value

    _own_hooks = False

    def apply(self, grad_outputs: Sequence[Tensor]) -> tuple[Tensor | None, ...]:
        # The engine turns grad mode on exactly when the backward pass records a graph.
        self.variable._accumulate_grad(grad_outputs[0], keep_graph=grad_mode._state.enabled)
        return ()

    def _apply_arrays(self, grad_outputs: Sequence[Any]) -> tuple[Any, ...]:
        """Accumulate an array gradient, keeping the array itself when nothing else holds it."""
        grad = grad_outputs[0]
        unshared = _is_unshared(grad)
        self.variable._accumulate_grad(Tensor._wrap(grad), keep_graph=False, unshared=unshared)
        return ()


def grad_accumulator(leaf: Tensor) -> AccumulateGrad:
    """The one `AccumulateGrad` of a leaf, alive while some graph uses it (the leaf holds it
    weakly, as PyTorch's does)."""
    node = leaf._grad_accumulator() if leaf._grad_accumulator is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._grad_accumulator = weakref.ref(node)
    return node


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
    dtype = np.bool_ if type(number) is bool else np.int64 if type(number) is int else np.float64
    return Tensor._wrap(np.asarray(number, dtype=dtype))


class SavedTensor:
    """A tensor kept for backward with the version it had when saved.

    An op's own output is kept as its array (not the tensor), so the node and
    its result do not point at each other: no reference cycle to collect.
    """

    __slots__ = (
        "_accumulator",
        "_data",
        "_grad_fn",
        "_is_output",
        "_output_nr",
        "_packed",
        "_requires_grad",
        "_saved_version",
        "_tensor",
        "_unpack_hook",
        "_version_counter",
    )

    def __init__(self, tensor: Tensor, is_output: bool) -> None:
        self._is_output = is_output
        self._unpack_hook: Callable[[Any], Any] | None = None
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

    def unpack_array(self, node: Node) -> Any:
        """The saved values as an array, or PyTorch's error if changed in place."""
        if self._unpack_hook is not None:
            return self._unpack_with_hook(node)._data
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
        if self._unpack_hook is not None:
            return self._unpack_with_hook(node)
        data = self.unpack_array(node)
        if self._tensor is not None:
            return self._tensor
        tensor = Tensor._wrap(data, self._requires_grad)
        tensor._version_counter = self._version_counter
        if self._requires_grad:
            tensor.grad_fn = node
            tensor._output_nr = self._output_nr
        return tensor

    def _set_hooks(self, pack_hook: Callable[[Tensor], Any],
                   unpack_hook: Callable[[Any], Tensor], node: Node) -> None:
        """Hand the tensor to `pack_hook` now and keep only what it returns.

        Backward then gets the tensor back from `unpack_hook(packed)`, with the
        saved tensor's place in the graph (its `grad_fn`, or its leaf's accumulator).
        """
        if self._unpack_hook is not None:
            raise RuntimeError("Calling register_hooks on a saved tensor whose hooks have "
                               "already been set. Hint: only one pair of hooks is allowed at "
                               "a time.")
        tensor = self.unpack(node)
        version = self._version_counter.value
        packed = pack_hook(tensor)
        if self._version_counter.value != version:
            raise RuntimeError(
                "A saved tensor pack hook is modifying its input in place. Tensors provided as "
                "input to pack hook cannot be modified by in-place operations as this can lead "
                "to unexpected side-effects. Please open an issue if you need to perform "
                "in-place operations on the input to a pack hook."
            )
        self._requires_grad = tensor._requires_grad
        self._grad_fn = None if self._is_output else tensor.grad_fn
        self._accumulator = None
        if tensor._requires_grad and tensor.grad_fn is None:
            self._accumulator = weakref.ref(grad_accumulator(tensor))
        self._packed, self._unpack_hook = packed, unpack_hook
        self._data = self._tensor = None  # what the hooks keep is all that is kept

    def _unpack_with_hook(self, node: Node) -> Tensor:
        """`unpack_hook(packed)`, put back in the graph where the saved tensor was."""
        assert self._unpack_hook is not None
        value = self._unpack_hook(self._packed)
        if not isinstance(value, Tensor):
            raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got "
                            f"result of type {type(value).__name__}")
        tensor = Tensor._wrap(value._data, self._requires_grad)
        tensor._version_counter = value._version_counter
        if self._requires_grad:
            tensor.grad_fn = node if self._is_output else self._grad_fn
            tensor._output_nr = self._output_nr
            tensor._grad_accumulator = self._accumulator
        return tensor


class RawSavedTensor:
    """A node's saved slot, as `grad_fn._raw_saved_<name>` gives it: hooks can be set on it."""

    __slots__ = ("_index", "_node")

    def __init__(self, node: Node, index: int) -> None:
        self._node = node
        self._index = index

    def __repr__(self) -> str:
        return f"<torch._C._autograd.SavedTensor object at {hex(id(self))}>"

    def register_hooks(self, *hooks: Any) -> None:
        """Pack the saved tensor with `pack_hook` now; unpack it with `unpack_hook` when used."""
        if len(hooks) != 2 or not all(callable(h) for h in hooks):
            raise TypeError("register_hooks(): incompatible function arguments. The following "
                            "argument types are supported:\n    1. (self: "
                            "torch._C._autograd.SavedTensor, arg0: collections.abc.Callable, "
                            "arg1: collections.abc.Callable) -> None\n\nInvoked with: "
                            + ", ".join(repr(a) for a in (self, *hooks)))
        node = self._node
        saved = node._saved
        if saved is None:
            raise RuntimeError(
                "Calling register_hooks on a saved tensor after it has been freed. Saved "
                "intermediate values of the graph are freed when you call .backward() or "
                "autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved variables after calling "
                "backward."
            )
        item = saved[self._index]
        if item is None:
            return
        if type(item) is not SavedTensor:
            item = SavedTensor(item, is_output=False)
            node._saved = (*saved[:self._index], item, *saved[self._index + 1:])
        item._set_hooks(hooks[0], hooks[1], node)


class _SavedHooksState(threading.local):
    stack: tuple[tuple[Callable[[Tensor], Any], Callable[[Any], Tensor]], ...] = ()


_saved_hooks = _SavedHooksState()
# How many `saved_tensors_hooks` blocks are open, in all threads: the one number an op that
# saves tensors checks while none is.
_saved_hooks_open = 0


class saved_tensors_hooks:
    """Inside this block, every tensor an op saves for backward goes through `pack_hook`,
    and backward gets it back from `unpack_hook(packed)`."""

    def __init__(self, pack_hook: Callable[[Tensor], Any],
                 unpack_hook: Callable[[Any], Tensor]) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        global _saved_hooks_open
        _saved_hooks.stack = (*_saved_hooks.stack, (self.pack_hook, self.unpack_hook))
        _saved_hooks_open += 1

    def __exit__(self, *exc_info: object) -> None:
        global _saved_hooks_open
        _saved_hooks.stack = _saved_hooks.stack[:-1]
        _saved_hooks_open -= 1


class save_on_cpu(saved_tensors_hooks):
    """Keep saved tensors on the CPU and move them back to their device when backward needs them.
    """

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack_to_cpu(tensor: Tensor) -> tuple[Any, Tensor]:
            return tensor.device, tensor.detach().to("cpu").clone()

        def unpack_from_cpu(packed: tuple[Any, Tensor]) -> Tensor:
            device, tensor = packed
            return tensor.to(device)

        super().__init__(pack_to_cpu, unpack_from_cpu)


def pack_saved(saved: tuple[Tensor | SavedTensor | None, ...], node: Node
               ) -> tuple[Tensor | SavedTensor | None, ...]:
    """What a node keeps: with a `saved_tensors_hooks` block open in this thread, each
    tensor packed by its hooks."""
    if not _saved_hooks.stack:
        return saved
    pack_hook, unpack_hook = _saved_hooks.stack[-1]
    packed = []
    with grad_mode.no_grad():  # as in PyTorch, the hook runs inside the op: nothing recorded
        for item in saved:
            if item is None or type(item) in _SAVED_NUMBER_TYPES:  # hooks pack tensors only
                packed.append(item)
                continue
            if type(item) is not SavedTensor:
                item = SavedTensor(item, is_output=False)
            item._set_hooks(pack_hook, unpack_hook, node)
            packed.append(item)
    return tuple(packed)


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


class GraphTask:
    """One backward pass, as the tensor hooks it runs may ask about it (`with task:` while
    they run): its id, and whether it will run a node."""

    _ids = itertools.count()

    def __init__(self, reached: dict[Node, int], relevant: set[Node] | None) -> None:
        self.id = next(self._ids)
        self._reached = reached
        self._relevant = relevant
        self._outer: list[GraphTask | None] = []

    def will_execute(self, node: Node) -> bool:
        """Whether this pass runs `node` (reached, and needed for what was asked)."""
        return node in self._reached if self._relevant is None else node in self._relevant

    def __enter__(self) -> None:
        self._outer.append(_graph_tasks.current)
        _graph_tasks.current = self

    def __exit__(self, *exc_info: object) -> None:
        _graph_tasks.current = self._outer.pop()


class _GraphTaskState(threading.local):
    current: GraphTask | None = None


_graph_tasks = _GraphTaskState()


def _node_of(tensor: Tensor) -> Node:
    """Where the gradient of `tensor` arrives: its grad_fn, or its leaf's accumulator."""
    return tensor.grad_fn if tensor.grad_fn is not None else grad_accumulator(tensor)


def _running_task() -> GraphTask:
    task = _graph_tasks.current
    if task is None:
        raise AssertionError("expected this hook to be called inside a backward call")
    return task


def register_multi_grad_hook(tensors: Sequence[Tensor], fn: Callable[..., None], *,
                             mode: str = "all") -> _MultiHandle:
    """Call `fn` once per backward pass for a group of tensors.

    `mode="all"`: once the gradients of all of them that this pass computes are
    in, as one tuple (None where a tensor's gradient is not computed).
    `mode="any"`: with the first of their gradients to arrive.
    """
    supported_modes = ("all", "any")
    if mode not in supported_modes:
        raise ValueError(f"Expects mode to be one of {supported_modes} but got {mode}")
    lock = threading.Lock()
    if mode == "any":
        fired: set[int] = set()

        def first_only(grad: Tensor) -> None:
            task = _running_task()
            with lock:
                if task.id in fired:
                    return
                fired.add(task.id)
            fn(grad)

        return _MultiHandle(tuple(t.register_hook(first_only) for t in tensors
                                  if t.requires_grad))

    nodes = [_node_of(t) for t in tensors]
    # Per pass: the gradients so far, and how many the pass will deliver in all.
    pending: dict[int, tuple[list[Tensor | None], list[int]]] = {}

    def collector(index: int) -> Callable[[Tensor], None]:
        def collect(grad: Tensor) -> None:
            task = _running_task()
            with lock:
                if task.id not in pending:
                    expected = sum(task.will_execute(node) for node in nodes)
                    pending[task.id] = ([None] * len(tensors), [expected])
                grads, left = pending[task.id]
                grads[index] = grad
                left[0] -= 1
                done = left[0] == 0
                if done:
                    del pending[task.id]
            if done:
                fn(grads)

        return collect

    return _MultiHandle(tuple(t.register_hook(collector(i)) for i, t in enumerate(tensors)))


class _MultiHandle:
    """Removes the hooks of one `register_multi_grad_hook` call together."""

    def __init__(self, handles: tuple[_RemovableHandle, ...]) -> None:
        self.handles = handles

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()
