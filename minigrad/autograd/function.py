"""`Function`: an op with its forward and backward side by side.

Every built-in op is a `Function` subclass, and so is a learner's own op:

    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return 2 * x * grad_output

`Square.apply(t)` runs forward with recording off, and, when an input
requires grad, gives the result a `SquareBackward` node whose backward is
the method above. The `ctx` of both methods is that node.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from minigrad import backend
from minigrad._tensor import Tensor
from minigrad.autograd import grad_mode, graph
from minigrad.autograd.graph import (
    _SAVED_NUMBER_TYPES,
    Edge,
    Node,
    SavedNumber,
    SavedTensor,
    _sequence_numbers,
)

__all__ = ["BackwardFunction", "Function", "FunctionCtx"]

# Set by `forward_ad` while a dual level is open: gives the results of each op their tangents.
_forward_hook: Callable[[BackwardFunction, tuple[Any, ...], tuple[Any, ...]], None] | None = None
# Set by `autograd.profiler` while a profile records: times each op's forward and, in the
# engine, each node's backward (`run_forward`, `run_node`).
_profiler: Any = None


class BackwardFunction(Node):
    """The node a `Function` leaves in the graph; it is also the `ctx` of forward and backward."""

    _forward_cls: ClassVar[type[Function]]
    _names_of_saved: ClassVar[tuple[str, ...]] = ()
    # Defaults on the class: an op that is not recorded pays for none of these.
    to_save: tuple[Any, ...] = ()
    needs_input_grad: tuple[bool, ...] = ()
    materialize_grads = True
    _non_differentiable: tuple[Tensor, ...] = ()
    _num_args = 1  # the common case; `_record` sets any other
    # The forward arguments that have an edge, by position; None: all of them (most ops).
    _edge_positions: tuple[int, ...] | None = None

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep inputs or outputs (or None) for backward; read them back as `saved_tensors`.

        An op that names what it saves (`saved_names = ("self", "other")`, as the built-in
        ops do) may also save a Python number, such as the `2` of `x * 2`: PyTorch keeps
        that operand as a wrapped scalar tensor. `saved_tensors` gives the number back
        as it was (so it promotes no dtype), `_saved_other` shows it as PyTorch does
        (`tensor(2)`), and backward frees it with the tensors, so that a second backward
        without `retain_graph=True` raises PyTorch's error. A learner's own Function
        (no `saved_names`) gets PyTorch's TypeError for a number, as in PyTorch.
        """
        self.to_save = tensors

    def _save_inputs(self, *items: Any) -> None:
        """`save_for_backward` for a built-in op's own arguments: tensors, None, or Python
        numbers. Kept as they are when recording would keep them so (no tensor changed in
        place or made in inference mode, no saved-tensor hooks open), which spares recording
        its checks; otherwise left to it, as `save_for_backward` does."""
        if not graph._saved_hooks_open:
            for item in items:
                if not (item is None or type(item) in _SAVED_NUMBER_TYPES or (
                        isinstance(item, Tensor) and not item._is_inference
                        and (item._counter is None or item._counter.value == 0))):
                    break
            else:
                self._saved = items
                return
        self.to_save = items

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Outputs that get no gradient (indices, masks)."""
        self._non_differentiable = (*self._non_differentiable, *tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """Whether missing output gradients reach backward as zeros (True) or None."""
        self.materialize_grads = value

    def apply(self, grad_outputs: Sequence[Tensor | None]) -> tuple[Tensor | None, ...]:
        grads = self._forward_cls.backward(self, *self._with_zeros(grad_outputs, Tensor._wrap))
        return tuple([_as_grad(g) for g in self._grads_for_edges(grads)])

    def _apply_arrays(self, grad_outputs: Sequence[Any]) -> Sequence[Any]:
        """`apply` on arrays: an op whose formula also works on arrays runs it on them."""
        op = self._forward_cls
        if not op._backward_on_arrays:
            return super()._apply_arrays(grad_outputs)
        if len(grad_outputs) > 1:
            grad_outputs = self._with_zeros(grad_outputs, _unchanged)
        self._on_arrays = True
        try:
            grads = op.backward(self, *grad_outputs)
        finally:
            self._on_arrays = False
        if not isinstance(grads, tuple):
            grads = (grads,)  # one gradient, the common case of a one-input op
        if len(grads) == self._num_args and self._edge_positions is None:
            return grads  # the common case, as `_grads_for_edges` would find it
        return self._grads_for_edges(grads)  # the engine makes them arrays as it checks them

    def _with_zeros(self, grad_outputs: Sequence[Any], wrap: Callable[[Any], Any]
                    ) -> Sequence[Any]:
        """The output gradients with zeros (made by `wrap` from an array) for those that never
        arrived, when `materialize_grads` asks for them, on the device of one that did.

        The engine runs a node only when a gradient arrived, so with one output it is there
        (one may call a node with only Nones itself: the zeros are then NumPy's).
        """
        if not self.materialize_grads or len(grad_outputs) == 1:
            return grad_outputs
        arrived = next((g for g in grad_outputs if g is not None), None)
        xp = backend.array_module(arrived._data if isinstance(arrived, Tensor) else arrived)
        return [wrap(xp.zeros(*meta)) if g is None and meta is not None else g
                for g, meta in zip(grad_outputs, self._output_metadata)]

    def _grads_for_edges(self, grads: Any) -> Sequence[Any]:
        """What backward returned, one per forward argument, picked out for next_functions."""
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) == self._num_args and self._edge_positions is None:
            return grads  # every argument has an edge: nothing to pick
        if len(grads) != self._num_args and (
                len(grads) < self._num_args or any(g is not None for g in grads[self._num_args:])):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {self._num_args}, got {len(grads)})"
            )
        if self._edge_positions is None:
            return grads[:self._num_args]
        return [grads[i] for i in self._edge_positions]


FunctionCtx = BackwardFunction


def _unchanged(array: Any) -> Any:
    return array


def _as_grad(grad: Any) -> Tensor | None:
    if grad is None or isinstance(grad, Tensor):
        return grad  # what the built-in ops return: passes straight through
    return Tensor._wrap(backend.as_array(grad))


def _edge_to(tensor: Tensor) -> Edge:
    """Where a gradient for `tensor` must go: its grad_fn, its accumulator, or nowhere."""
    # A view's node may need remaking first (its base changed in place), and then require
    # grad; any other tensor's node is read as it is.
    grad_fn = tensor.grad_fn if tensor._base is not None else tensor._grad_fn
    if not tensor._requires_grad:
        return _NO_EDGE
    if grad_fn is not None:
        return (grad_fn, tensor._output_nr)
    return (graph.grad_accumulator(tensor), 0)


_NO_EDGE: Edge = (None, 0)


class Function:
    """Base class of differentiable ops: write `forward` and `backward`, call `apply`.

    `forward(ctx, *args)` gets tensors and returns a tensor (or a NumPy array,
    as the built-in ops do), or a tuple of them. `backward(ctx, *grads)` gets
    one gradient per output and returns one per argument of forward (None for
    arguments that need none); it is written with tensor ops, so
    `create_graph=True` can differentiate it again. (Built-in ops run the same
    formula on bare arrays when no graph is wanted: see `minigrad.ops._formula`.)
    """

    # Built-in binary ops treat a Python number like PyTorch's wrapped scalar
    # tensor: it gets a `(None, 0)` entry in next_functions.
    _scalar_inputs_are_edges: ClassVar[bool] = False
    # Built-in ops whose backward is written with operators and NumPy ufuncs only, so
    # that it runs on arrays as well as on tensors (see `Tensor.__array_ufunc__`): the
    # engine runs it on arrays when no graph of the backward pass is wanted.
    _backward_on_arrays: ClassVar[bool] = False
    # Built-in ops whose forward reads and makes arrays only (it calls no tensor op), so that
    # `apply` need not turn grad mode off around it.
    _forward_on_arrays: ClassVar[bool] = False
    saved_names: ClassVar[tuple[str, ...]] = ()
    _backward_cls: ClassVar[type[BackwardFunction]]
    # What the rest of the kit reads off an op class (see `minigrad.ops`): its profiler event
    # name, the stepper's text for it, and how its backward takes a batch of gradients.
    aten_name: ClassVar[str | None] = None
    shows_forward: ClassVar[str | None] = None
    shows_sends: ClassVar[tuple[str, ...]] = ()
    backward_broadcasts_over_batch: ClassVar[bool] = False
    backward_batched: ClassVar[Callable[..., Any] | None] = None

    def __init_subclass__(cls, node_name: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = node_name or f"{cls.__name__}Backward"
        cls._backward_cls = type(
            name,
            (BackwardFunction,),
            {"_forward_cls": cls, "_names_of_saved": cls.saved_names, "__module__": cls.__module__,
             **graph.saved_value_properties(cls.saved_names)},
        )

    @staticmethod
    def forward(ctx: BackwardFunction, *args: Any, **kwargs: Any) -> Any:
        """Compute the result from the inputs (recording is off here)."""
        raise NotImplementedError("You must implement the forward function for custom Function.")

    @staticmethod
    def backward(ctx: BackwardFunction, *grad_outputs: Tensor) -> Any:
        """Gradients for each forward argument, given the gradients of the outputs."""
        raise NotImplementedError("You must implement the backward function for custom Function.")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the op; record a node when grad mode is on and an input requires grad."""
        ctx = cls._backward_cls()
        # Which arguments are tensors that require grad, as one of a few shared tuples;
        # spelled out for one to three arguments, the ops almost every program runs.
        if len(args) == 2:
            a, b = args
            needs_input_grad = _BOOL_PAIRS[isinstance(a, Tensor) and a._requires_grad][
                isinstance(b, Tensor) and b._requires_grad]
        elif len(args) == 1:
            needs_input_grad = _BOOL_SINGLES[isinstance(args[0], Tensor) and args[0]._requires_grad]
        elif len(args) == 3:
            a, b, c = args
            needs_input_grad = _BOOL_TRIPLES[isinstance(a, Tensor) and a._requires_grad][
                isinstance(b, Tensor) and b._requires_grad][
                isinstance(c, Tensor) and c._requires_grad]
        else:
            needs_input_grad = _shared(tuple([isinstance(a, Tensor) and a._requires_grad
                                              for a in args]))
        ctx.needs_input_grad = needs_input_grad
        state = grad_mode._state
        grad_enabled = state.enabled
        if cls._forward_on_arrays and _profiler is None:
            raw = cls.forward(ctx, *args, **kwargs)  # arrays only: grad mode cannot matter
        else:
            state.enabled = False
            try:
                if _profiler is None:
                    raw = cls.forward(ctx, *args, **kwargs)
                else:
                    raw = _profiler.run_forward(cls, ctx, args, kwargs)
            finally:
                state.enabled = grad_enabled
        if type(raw) is np.ndarray and not ctx._non_differentiable:  # the common case
            output = Tensor._wrap(raw)
            if grad_enabled and True in needs_input_grad:
                _record_one(ctx, cls, args, output)
            if _forward_hook is not None:
                _forward_hook(ctx, args, (output,))
            return output
        is_tuple = type(raw) is tuple
        raw_outputs = raw if is_tuple else (raw,)
        outputs = tuple([_as_output(o, args) for o in raw_outputs])
        if grad_enabled and True in needs_input_grad:
            _record(ctx, cls, args, outputs, raw_outputs)
        if _forward_hook is not None:
            _forward_hook(ctx, args, outputs)
        return outputs if is_tuple else outputs[0]


_BOOL_SINGLES = ((False,), (True,))
_BOOL_PAIRS = tuple(tuple((a, b) for b in (False, True)) for a in (False, True))
_BOOL_TRIPLES = tuple(tuple(tuple((a, b, c) for c in (False, True)) for b in (False, True))
                      for a in (False, True))


def _as_output(value: Any, args: tuple[Any, ...]) -> Any:
    if type(value) is np.ndarray or backend.is_array(value):  # a CuPy array on a GPU too
        return Tensor._wrap(value)
    if isinstance(value, np.generic):  # NumPy gives scalars for 0-d results
        return Tensor._wrap(np.asarray(value))
    if isinstance(value, Tensor) and any(value is a for a in args):
        # An input returned unchanged becomes a new tensor sharing its data.
        return Tensor._wrap(value._data)
    return value


def _link_inputs(ctx: BackwardFunction, cls: type[Function], args: tuple[Any, ...]) -> None:
    """Give `ctx` its sequence number and an edge to the node of each input.

    The node keeps one edge per tensor argument (and per number, for the binary ops that
    treat one as PyTorch's wrapped scalar).
    """
    ctx._sequence_nr = next(_sequence_numbers)
    # The common cases spelled out: a tensor that is not a view, alone or with another such
    # tensor or (for the ops that take one as an edge) a Python number.
    count = len(args)
    first = args[0] if count else None
    if count <= 2 and isinstance(first, Tensor) and first._base is None:
        grad_fn = first._grad_fn
        edge = (grad_fn, first._output_nr) if grad_fn is not None else _leaf_edge(first)
        if count == 1:
            ctx.next_functions = (edge,)
            return
        second = args[1]
        if isinstance(second, Tensor):
            if second._base is None:
                grad_fn = second._grad_fn
                ctx._num_args = 2
                ctx.next_functions = (edge, (grad_fn, second._output_nr) if grad_fn is not None
                                      else _leaf_edge(second))
                return
        elif cls._scalar_inputs_are_edges and type(second) in (int, float):
            ctx._num_args = 2
            ctx.next_functions = (edge, _NO_EDGE)
            return
    edges: list[Edge | None] = []  # None for an argument without an edge
    gaps = False
    for a in args:
        if isinstance(a, Tensor):
            edges.append(_edge_to(a))
        elif cls._scalar_inputs_are_edges and (a is None or isinstance(a, (int, float))):
            edges.append(_NO_EDGE)  # None: no tensor
        else:
            edges.append(None)
            gaps = True
    if gaps:  # some argument (a dim, a flag) has no edge: note which ones do
        ctx._edge_positions = _shared(tuple([i for i, e in enumerate(edges) if e is not None]))
        ctx._num_args = len(args)
        edges = [e for e in edges if e is not None]
    elif len(args) != 1:
        ctx._num_args = len(args)
    ctx.next_functions = tuple(edges)


def _leaf_edge(tensor: Tensor) -> Edge:
    """The edge to a tensor that no op made (not a view): to its accumulator, which a graph
    that still holds it shares, or nowhere if it does not require grad."""
    if not tensor._requires_grad:
        return _NO_EDGE
    reference = tensor._grad_accumulator
    accumulator = reference() if reference is not None else None
    return (graph.grad_accumulator(tensor) if accumulator is None else accumulator, 0)


def _record_one(ctx: BackwardFunction, cls: type[Function], args: tuple[Any, ...],
                output: Tensor) -> None:
    """`_record` for the hot path of almost every op: one new output made from an array."""
    _link_inputs(ctx, cls, args)
    data = output._data
    # The first input's metadata when the op kept its shape and dtype (elementwise ops do):
    # a chain of them shares one tuple, and the collector walks fewer.
    edges = ctx.next_functions
    node = edges[0][0] if edges else None
    metadata = node._output_metadata if node is not None else ()
    kept = metadata[0] if len(metadata) == 1 else None
    if kept is None or kept[1] is not data.dtype or kept[0] != data.shape:
        metadata = ((data.shape, data.dtype),)
    ctx._output_metadata = metadata
    if data.dtype.kind == "f":
        output._requires_grad = True
        output._grad_fn = ctx  # a new tensor, no view: the `grad_fn` setter has nothing to add
    if ctx.to_save:
        _keep_saved(ctx, cls, (output,), (data,))


def _record(ctx: BackwardFunction, cls: type[Function], args: tuple[Any, ...],
            outputs: tuple[Any, ...], raw_outputs: tuple[Any, ...]) -> None:
    """Link the outputs to `ctx` and `ctx` to the inputs' nodes.

    The node keeps the shape and dtype of each output, which the gradients arriving for
    it must have.
    """
    _link_inputs(ctx, cls, args)
    excluded = ctx._non_differentiable
    output_metadata = []
    for nr, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            output_metadata.append(None)  # one entry per output: an output_nr indexes it
            continue
        data = out._data
        output_metadata.append((data.shape, data.dtype))
        if data.dtype.kind == "f" and not (excluded and _contains(excluded, out)):
            out._requires_grad = True
            out.grad_fn = ctx
            out._output_nr = nr
    ctx._output_metadata = tuple(output_metadata)
    if ctx.to_save:
        _keep_saved(ctx, cls, outputs, raw_outputs)


def _keep_saved(ctx: BackwardFunction, cls: type[Function], outputs: tuple[Any, ...],
                raw_outputs: tuple[Any, ...]) -> None:
    """What forward saved (`ctx.to_save`), checked and kept for backward."""
    to_save = ctx.to_save
    if len(to_save) == 1 and len(raw_outputs) == 1 and to_save[0] is raw_outputs[0]:
        saved: tuple[Any, ...] = (SavedTensor(outputs[0], True),)  # its result: exp, relu
    else:
        saved = _saved_values(to_save, outputs, raw_outputs,
                              numbers_allowed=bool(cls.saved_names))
    ctx._saved = graph.pack_saved(saved, ctx) if graph._saved_hooks_open else saved
    ctx.to_save = ()


_INFERENCE_SAVE_MESSAGE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
    "inference mode in computation tracked by autograd. To work around this, you can make a "
    "clone to get a normal tensor and use it in autograd, or use `torch.no_grad()` instead of "
    "`torch.inference_mode()`."
)

_SHARED_TUPLES: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def _shared(value: tuple[Any, ...]) -> tuple[Any, ...]:
    """One object for equal small tuples of bools or ints that every node keeps (fewer objects
    for the garbage collector to walk)."""
    return _SHARED_TUPLES.setdefault(value, value)


def _contains(items: tuple[Any, ...], item: Any) -> bool:
    """`item in items` by identity (`==` on tensors is an elementwise op)."""
    for candidate in items:
        if candidate is item:
            return True
    return False


def _saved_values(items: tuple[Any, ...], outputs: tuple[Any, ...],
                  raw_outputs: tuple[Any, ...], numbers_allowed: bool
                  ) -> tuple[Tensor | SavedTensor | SavedNumber | None, ...]:
    """Keep each item for backward: an output (as its array), an input tensor, None, or (for
    an op that names what it saves) a Python number."""
    single_output = outputs[0] if len(outputs) == 1 else None
    # The common case: inputs never changed in place (or None), kept as they are.
    for item in items:
        if item is not None and not (isinstance(item, Tensor) and item._counter is None
                                     and item is not single_output and not item._is_inference
                                     and single_output is not None):
            break
    else:
        return items
    saved: list[Tensor | SavedTensor | SavedNumber | None] = []
    for position, item in enumerate(items):
        if item is None:
            saved.append(None)
        elif isinstance(item, Tensor) and not (item is single_output if single_output is not None
                                               else _contains(outputs, item)):
            if item._is_inference:
                raise RuntimeError(_INFERENCE_SAVE_MESSAGE)
            counter = item._counter
            # Never changed in place yet (version 0): the tensor itself is enough.
            saved.append(item if counter is None or counter.value == 0
                         else SavedTensor(item, False))
        elif numbers_allowed and type(item) in _SAVED_NUMBER_TYPES:
            saved.append(item)
        elif _contains(outputs, item) or _contains(raw_outputs, item):
            saved.append(SavedTensor(outputs[_index_of(outputs, raw_outputs, item)], True))
        else:
            raise TypeError(
                f"save_for_backward can only save variables, but argument {position} is "
                f"of type {type(item).__name__}"
            )
    return tuple(saved)


def _index_of(outputs: tuple[Any, ...], raw_outputs: tuple[Any, ...], item: Any) -> int:
    """The position of `item` among the outputs (as tensors or as the arrays forward made)."""
    for i, (out, raw) in enumerate(zip(outputs, raw_outputs)):
        if item is out or item is raw:
            return i
    raise ValueError("not an output")
