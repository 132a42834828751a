"""The backward engine: one generator that runs the graph a node at a time.

`backward_steps` walks the graph in dependency order, iteratively (a chain
of 100,000 ops is fine), and yields a `BackwardStep` for every node it runs.
`Tensor.backward()` and `autograd.grad()` simply exhaust it; the widgets
consume it step by step, so what a learner steps through is the real thing.
"""

from __future__ import annotations

import heapq
import itertools
import operator
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from minigrad import backend
from minigrad._tensor import Size, Tensor
from minigrad.autograd import function, grad_mode, graph
from minigrad.autograd.graph import _FREED_MESSAGE, AccumulateGrad, Node

__all__ = ["BackwardStep", "backward", "backward_steps", "grad"]

TensorOrTensors = Tensor | Sequence[Tensor]


class BackwardStep(NamedTuple):
    """What one node did in a backward pass.

    PyTorch's hook naming is kept: `grad_outputs` are the gradients that
    arrived (one per output of the forward op), `grad_inputs` the gradients
    the node sent on (one per entry of `next_functions`). For an
    `AccumulateGrad` node, `leaf` is the tensor whose `.grad` it updated.
    """

    index: int
    node: Node
    grad_outputs: tuple[Tensor | None, ...]
    grad_inputs: tuple[Tensor | None, ...]
    leaf: Tensor | None = None


def _as_tuple(tensors: Any) -> tuple[Any, ...]:
    if tensors is None:
        return ()
    if isinstance(tensors, Tensor):
        return (tensors,)
    return tuple(tensors)


def _flag(value: Any) -> bool:
    """A bool argument read as PyTorch reads it: anything int-like; TypeError otherwise."""
    return bool(operator.index(value))


def _checked_outputs(tensors: Any) -> tuple[Tensor, ...]:
    """The tensors to differentiate, refusing what is no tensor as PyTorch does."""
    outputs = _as_tuple(tensors)
    for out in outputs:
        if not isinstance(out, Tensor):
            raise AssertionError("Expected output to be a torch.Tensor")
    return outputs


def _checked_inputs(tensors: Any, function: str) -> tuple[Tensor, ...]:
    """The tensors that gradients are wanted for (`inputs=`): tensors, and at least one."""
    inputs = _as_tuple(tensors)
    if not inputs:
        raise RuntimeError(f"`inputs` argument to `{function}()` cannot be empty.")
    for tensor in inputs:
        if not isinstance(tensor, Tensor):
            raise RuntimeError("all inputs have to be Tensors or GradientEdges, but got "
                               f"{type(tensor).__name__}")
    return inputs


def _root_grads(outputs: tuple[Tensor, ...], grad_outputs: tuple[Any, ...],
                create_graph: bool) -> list[Tensor]:
    """Check the gradients given for the outputs, or make ones for scalar outputs.

    As in PyTorch, surplus gradients are ignored and too few are an error.
    """
    if grad_outputs and len(grad_outputs) < len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    grads = []
    for i, out in enumerate(outputs):
        given = grad_outputs[i] if grad_outputs else None
        if given is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind != "f":
                raise RuntimeError(
                    "grad can be implicitly created only for real scalar outputs but got "
                    f"{out.dtype!r}"
                )
            data = out._data
            grads.append(Tensor._wrap(backend.array_module(data).ones(data.shape, data.dtype)))
            continue
        if not isinstance(given, Tensor):
            raise TypeError(
                f"gradients can be either Tensors or None, but got {type(given).__name__}")
        if given._data.shape != out._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {Size(given.shape)!r} and "
                f"output[{i}] has a shape of {Size(out.shape)!r}."
            )
        grads.append(given if create_graph else given.detach())
    return grads


def _root_edge(tensor: Tensor, i: int) -> tuple[Node, int]:
    if not tensor._requires_grad:
        raise RuntimeError(
            f"element {i} of tensors does not require grad and does not have a grad_fn"
        )
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor._output_nr)
    return (graph.grad_accumulator(tensor), 0)


def _input_edge(tensor: Tensor) -> tuple[Node, int]:
    if not tensor._requires_grad:
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor._output_nr)
    return (graph.grad_accumulator(tensor), 0)


def _discover(roots: Iterable[Node]) -> tuple[dict[Node, int], list[Node]]:
    """Count, for each reachable node, the edges that point at it; also list the nodes."""
    dependencies: dict[Node, int] = dict.fromkeys(roots, 0)  # also: the nodes seen so far
    stack = list(dependencies)
    order = list(stack)
    while stack:
        for next_node, _ in stack.pop().next_functions:
            if next_node is None:
                continue
            if next_node in dependencies:
                dependencies[next_node] += 1
            else:
                dependencies[next_node] = 1
                stack.append(next_node)
                order.append(next_node)
    return dependencies, order


def _nodes_to_skip(order: list[Node], dependencies: dict[Node, int],
                   capture_nodes: set[Node], accumulate_nodes: set[Node]
                   ) -> tuple[set[Node], set[Node] | None]:
    """The nodes reached that need not run, and those that run or are captured (None: all).

    Every path through a graph ends at a leaf's AccumulateGrad, so when each leaf reached
    accumulates or is captured (`grad` with respect to every leaf, as a Jacobian's rows
    ask), all other nodes run, and only the leaves that do not accumulate are skipped.
    """
    idle_leaves = {node for node in order
                   if isinstance(node, AccumulateGrad) and node not in accumulate_nodes}
    if all(node in capture_nodes for node in idle_leaves):
        return idle_leaves, None
    runs = _nodes_to_run(order, dependencies, capture_nodes, accumulate_nodes)
    return set(order) - runs, runs | capture_nodes


def _nodes_to_run(order: list[Node], dependencies: dict[Node, int],
                  capture_nodes: set[Node], accumulate_nodes: set[Node]) -> set[Node]:
    """The nodes whose work reaches a captured gradient or a leaf to accumulate into."""
    # Visit children before parents: a Kahn order of the graph, reversed.
    remaining = dict(dependencies)
    topological = [n for n in order if remaining.get(n, 0) == 0]
    for node in topological:  # grows as it goes: each node once all its parents are in
        for next_node, _ in node.next_functions:
            if next_node is not None:
                left = remaining[next_node] - 1
                remaining[next_node] = left
                if left == 0:
                    topological.append(next_node)
    runs: set[Node] = set()
    for node in reversed(topological):
        if isinstance(node, AccumulateGrad):
            if node in accumulate_nodes:
                runs.add(node)
            continue
        for next_node, _ in node.next_functions:
            if next_node in runs or next_node in capture_nodes:
                runs.add(node)
                break
    return runs


def _reduce_grad(node: Node, index: int, grad: Any, expected: tuple[tuple[int, ...], Any]
                 ) -> Any:
    """Sum a broadcast gradient back to its input's shape and cast it to the input's dtype.

    `grad` is a tensor, or an array when the engine runs on arrays.
    """
    shape, dtype = expected
    on_arrays = not isinstance(grad, Tensor)
    grad_shape, grad_dtype = _shape_and_dtype(grad)
    if grad_shape != shape:
        dims = backend.summed_dims(grad_shape, shape)
        if dims is None:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {index} - got "
                f"{list(grad_shape)} but expected shape compatible with {list(shape)}"
            )
        if on_arrays:
            grad = backend.sum_to(grad, shape, dims)
        else:
            grad = grad.sum_to_size(shape)  # PyTorch's sum_to: the nodes a double backward sees
    if grad_dtype != dtype:
        grad = grad.astype(dtype) if on_arrays else grad.to(backend.from_numpy_dtype(dtype))
    return grad


def _shape_and_dtype(grad: Any) -> tuple[tuple[int, ...], Any]:
    data = grad._data if isinstance(grad, Tensor) else grad
    return data.shape, data.dtype


def _checked_grads(node: Node, grads: Sequence[Any], on_arrays: bool) -> Sequence[Any]:
    """The node's output gradients, each reduced to its input's shape and dtype if needed.

    The input's shape and dtype are those of the output of the node the edge leads to. In
    the array mode each gradient also becomes a bare array (a formula may give a tensor or
    a NumPy scalar).
    """
    checked = None
    i = -1
    for grad, (next_node, input_nr) in zip(grads, node.next_functions):
        i += 1
        if grad is None:
            continue
        if type(grad) is np.ndarray:  # the array mode's common case
            data = grad
        elif on_arrays:
            data = grad._data if isinstance(grad, Tensor) else backend.as_array(grad)
            checked = checked or list(grads)
            checked[i] = grad = data
        else:
            data = grad._data
        if next_node is None:
            continue
        expected = next_node._output_metadata[input_nr]
        if expected is not None and (data.shape != expected[0] or (
                data.dtype is not expected[1] and data.dtype != expected[1])):
            checked = checked or list(grads)
            checked[i] = _reduce_grad(node, i, grad, expected)
    return grads if checked is None else checked


def _checked_grad(node: Node, grad_inputs: Sequence[Any], grad: Any, next_node: Node,
                  input_nr: int) -> Any:
    """`_checked_grads` for one gradient of the array mode, as the plain pass delivers it."""
    data = grad if type(grad) is np.ndarray else (
        grad._data if isinstance(grad, Tensor) else backend.as_array(grad))
    expected = next_node._output_metadata[input_nr]
    if expected is None or (data.shape == expected[0] and data.dtype == expected[1]):
        return data
    index = next(i for i, (g, (n, nr)) in enumerate(zip(grad_inputs, node.next_functions))
                 if g is grad and n is next_node and nr == input_nr)
    return _reduce_grad(node, index, data, expected)


def _add_grads(a: Any, b: Any) -> Any:
    """The sum of two gradients for the same place, recorded only if one of them is."""
    if isinstance(a, Tensor):
        if a._requires_grad or b._requires_grad:
            return a + b
        a, b = a._data, b._data
        return Tensor._wrap(backend.as_array(a + b))
    total = a + b
    return total if type(total) is np.ndarray else backend.as_array(total)  # 0-d sums: scalars


def _as_tensor(grad: Any) -> Tensor | None:
    """A gradient of either engine mode as a tensor (arrays are wrapped, not copied)."""
    if grad is None or isinstance(grad, Tensor):
        return grad
    return Tensor._wrap(backend.as_array(grad))


def _as_tensors(grads: Iterable[Any]) -> tuple[Tensor | None, ...]:
    return tuple([_as_tensor(g) for g in grads])


RawStep = tuple[Node, Sequence[Any], tuple[Any, ...]]


def _run(root_edges: list[tuple[Node, int]], root_grads: list[Tensor], *, retain_graph: bool,
         create_graph: bool, captures: dict[tuple[Node, int], list[int]] | None,
         accumulate_nodes: set[Node] | None, steps: bool = True,
         vectorized: Callable[[Node, list[Any]], Sequence[Any]] | None = None
         ) -> Generator[RawStep, None, list[Any]]:
    """Run the graph below `root_edges`; yield each node run; return the captured gradients.

    `captures` maps (node, output_nr) to the positions of the requested inputs
    whose gradient is the one arriving there. `accumulate_nodes` limits which
    leaves accumulate (None: all of them). With `steps=False` the pass runs to
    its end without yielding (a plain `backward()`). `vectorized` runs a node on
    gradients that carry a leading batch dim (the vectorized Jacobian) in place of
    its own backward; tensor hooks and retained gradients are then left out.

    Without `create_graph` nothing of the pass is recorded, so the gradients
    flow as plain arrays and formulas that allow it run on them (fast); with it
    (or under the profiler, which times the formulas' tensor ops) they flow as
    tensors. Each yielded step holds (node, grads that arrived, grads sent on).
    """
    on_arrays = not create_graph and function._profiler is None and vectorized is None
    dependencies, order = _discover([node for node, _ in root_edges])
    captured: list[Any] = []
    capture_nodes: set[Node] = set()
    if captures:
        captured = [None] * sum(len(v) for v in captures.values())
        capture_nodes = {node for node, _ in captures}
    # The nodes reached that do not run, and those that run or are captured (None: all).
    skipped: set[Node] = set()
    relevant: set[Node] | None = None
    if accumulate_nodes is not None:
        skipped, relevant = _nodes_to_skip(order, dependencies, capture_nodes, accumulate_nodes)

    buffers: dict[Node, list[Any]] = {}
    ready: list[tuple[float, int, Node]] = []
    tiebreak = itertools.count()
    # The roots as edges of a node that runs first: their gradients arrive as any others.
    pending: Iterable[tuple[tuple[Node | None, int], Any]] = list(
        zip(root_edges, [g._data if on_arrays else g for g in root_grads]))
    for node, _ in root_edges:
        dependencies[node] = dependencies.get(node, 0) + 1

    state = grad_mode._state
    caller_mode = state.enabled
    task: graph.GraphTask | None = None  # what tensor hooks may ask about this pass
    # A plain pass (arrays, no steps to show) checks each gradient as it delivers it, and
    # frees a node's saved values once its gradients are delivered.
    plain = on_arrays and not steps
    sender: Node | None = None  # in a plain pass: the node whose gradients `pending` holds
    node = None
    grads: list[Any] = []
    grad_inputs: Sequence[Any] = ()
    # Grad mode is `create_graph` while nodes run, and the caller's while a step is out.
    state.enabled = create_graph
    try:
        while True:
            # Deliver what the last node sent (at first: the roots' gradients). A node this
            # makes ready waits in `just_ready`, off the heap: in a chain, the common case,
            # it runs next without a push and a pop.
            just_ready = None
            for (next_node, input_nr), grad in pending:
                if next_node is None or (relevant is not None and next_node not in relevant):
                    continue
                if grad is not None:
                    metadata = next_node._output_metadata
                    if sender is not None:
                        expected = metadata[input_nr]
                        if type(grad) is not np.ndarray or (expected is not None and (
                                grad.shape != expected[0] or (grad.dtype is not expected[1]
                                                              and grad.dtype != expected[1]))):
                            grad = _checked_grad(sender, grad_inputs, grad, next_node, input_nr)
                    buffer = buffers.get(next_node)
                    if buffer is None:
                        if len(metadata) < 2:  # one output, the common case
                            buffers[next_node] = [grad]
                        else:
                            buffer = buffers[next_node] = [None] * len(metadata)
                            buffer[input_nr] = grad
                    else:
                        held = buffer[input_nr]
                        buffer[input_nr] = grad if held is None else _add_grads(held, grad)
                left = dependencies[next_node] - 1
                dependencies[next_node] = left
                if left == 0:
                    if just_ready is not None:  # a second one: the heap orders them
                        heapq.heappush(ready, (-just_ready._sequence_nr, next(tiebreak),
                                               just_ready))
                    just_ready = next_node
            # Only the buffers hold the gradients now: an accumulator may keep an unshared one.
            pending, grad = (), None
            if sender is not None:
                saved = sender._saved
                if saved is not None and not retain_graph:
                    # `sender._release_saved()`, spelled out: a call per node measured 3% of a
                    # plain pass through the profiler loop.
                    for item in saved:
                        if item is not None:  # something was saved: from now on it is gone
                            sender._saved = None
                            sender._released = True
                            break
                sender = saved = None  # nor does this pass hold them any longer
            if node is not None and steps:
                state.enabled = caller_mode
                yield node, grads, grad_inputs
                state.enabled = create_graph
            if just_ready is not None and ready:  # others are waiting too: take turns
                heapq.heappush(ready, (-just_ready._sequence_nr, next(tiebreak), just_ready))
                just_ready = None
            if just_ready is not None:
                node = just_ready
            elif ready:
                node = heapq.heappop(ready)[2]
            else:
                break
            del grads, grad_inputs  # the last step's, as above
            grads = buffers.pop(node, None) or [None] * (len(node._output_metadata) or 1)
            if node._has_hooks and vectorized is None:
                if task is None:
                    task = graph.GraphTask(dependencies, relevant)
                with task:
                    _apply_tensor_hooks(node, grads, create_graph, on_arrays)
            if capture_nodes and node in capture_nodes:
                for output_nr in range(len(grads)):
                    for position in captures.get((node, output_nr), ()):
                        captured[position] = grads[output_nr]
            if skipped and node in skipped:
                grad_inputs = ()
                continue
            if plain and not node._has_hooks:
                if node._released:
                    _check_not_freed(node)
                if grads[0] is None and all(g is None for g in grads):
                    grad_inputs = (None,) * len(node.next_functions)
                else:
                    grad_inputs = node._apply_arrays(grads)
                sender = node
                pending = zip(node.next_functions, grad_inputs)
                continue
            _check_not_freed(node)
            if vectorized is not None:
                grad_inputs = vectorized(node, grads)
            elif node._has_hooks:
                grads, grad_inputs = _run_node_with_hooks(node, grads, on_arrays)
            else:
                grad_inputs = _run_node(node, grads, on_arrays)
            if not retain_graph and node._saved is not None:
                node._release_saved()
            pending = zip(node.next_functions, grad_inputs)
    finally:
        state.enabled = caller_mode
    return list(_as_tensors(captured))


def _check_not_freed(node: Node) -> None:
    """PyTorch's error for a built-in node run after backward freed its saved values.

    A built-in node (it names what it saves) needs them whatever its formula here reads, as
    PyTorch's nodes unpack them all. A learner's Function raises only if its backward reads
    `saved_tensors`, as in PyTorch.
    """
    if node._released and node._names_of_saved:
        raise RuntimeError(_FREED_MESSAGE)


def run_to_end(run: Generator[RawStep, None, list[Any]]) -> list[Any]:
    """The captured gradients of a `_run(..., steps=False)`, which yields nothing."""
    try:
        next(run)
    except StopIteration as done:
        return done.value
    raise AssertionError("the engine yielded a step it was told not to")


def _run_node(node: Node, grads: list[Any], on_arrays: bool) -> Sequence[Any]:
    """What `node` sends along its edges, given the gradients that arrived at it."""
    if grads[0] is None and all(g is None for g in grads):
        return (None,) * len(node.next_functions)
    if on_arrays:
        return _checked_grads(node, node._apply_arrays(grads), on_arrays)
    if function._profiler is None:
        return _checked_grads(node, node.apply(grads), on_arrays)
    return _checked_grads(node, function._profiler.run_node(node, grads), on_arrays)


def _run_node_with_hooks(node: Node, grads: list[Any], on_arrays: bool
                         ) -> tuple[list[Any], Sequence[Any]]:
    """`_run_node` between the node's own pre-hooks and post-hooks: the gradients that
    arrived (as the pre-hooks left them) and those sent on."""
    if node._pre_hooks:
        grads = _run_pre_hooks(node, grads, on_arrays)
    grad_inputs = _run_node(node, grads, on_arrays)
    if node._post_hooks:
        grad_inputs = _run_post_hooks(node, grad_inputs, grads, on_arrays)
    return grads, grad_inputs


def _in_mode(tensors: Iterable[Tensor | None], on_arrays: bool) -> list[Any]:
    """Gradients a hook gave back, as the engine carries them: arrays or tensors."""
    if on_arrays:
        return [None if t is None else t._data for t in tensors]
    return list(tensors)


def _run_pre_hooks(node: Node, grads: list[Any], on_arrays: bool) -> list[Any]:
    """`node.register_prehook` hooks: each sees (and may replace) the arriving gradients."""
    tensors = _as_tensors(grads)
    for hook in node._pre_hooks:
        replaced = hook(tensors)
        if replaced is not None:
            tensors = tuple(replaced)
    return _in_mode(tensors, on_arrays)


def _run_post_hooks(node: Node, grad_inputs: tuple[Any, ...], grads: list[Any],
                    on_arrays: bool) -> tuple[Any, ...]:
    """`node.register_hook` hooks: each sees (and may replace) the gradients sent on."""
    tensors = _as_tensors(grad_inputs)
    for hook in node._post_hooks:
        replaced = hook(tensors, _as_tensors(grads))
        if replaced is not None:
            tensors = tuple(replaced)
    return tuple(_in_mode(tensors, on_arrays))


def _check_hook_result(hook: Any, grad: Tensor, replaced: Any) -> None:
    """PyTorch's error for a tensor hook that returns something other than a gradient of the
    same dtype and shape."""
    if not isinstance(replaced, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(replaced).__name__}'")
    name = getattr(hook, "__name__", type(hook).__name__)
    if replaced._data.dtype != grad._data.dtype:
        was, got = (graph._TENSOR_TYPE_NAMES.get(t._data.dtype.name, "Tensor")
                    for t in (grad, replaced))
        raise RuntimeError(f"hook '{name}' has changed the type of value (was torch.{was} got "
                           f"torch.{got})")
    if replaced._data.shape != grad._data.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")


def _apply_tensor_hooks(node: Node, grads: list[Any], create_graph: bool,
                        on_arrays: bool) -> None:
    """Run `Tensor.register_hook` hooks and fill `.grad` of tensors that retain it."""
    if not (node._tensor_pre_hooks or node._retained or (
            type(node) is AccumulateGrad and node.variable._backward_hooks)):
        return
    hook_lists: list[tuple[int, list[Any]]] = list((node._tensor_pre_hooks or {}).items())
    if isinstance(node, AccumulateGrad) and node.variable._backward_hooks:
        hook_lists.append((0, node.variable._backward_hooks))
    for output_nr, hooks in hook_lists:
        for hook in hooks:
            if grads[output_nr] is not None:
                grad = _as_tensor(grads[output_nr])
                replaced = hook(grad)
                if replaced is not None:
                    _check_hook_result(hook, grad, replaced)
                    grads[output_nr] = _in_mode([replaced], on_arrays)[0]
    for output_nr, ref in (node._retained or {}).items():
        tensor = ref()
        if tensor is not None and grads[output_nr] is not None:
            tensor._accumulate_grad(_as_tensor(grads[output_nr]), keep_graph=create_graph)


def _backward_run(tensors: TensorOrTensors, grad_tensors: TensorOrTensors | None,
                  retain_graph: bool | None, create_graph: bool,
                  inputs: TensorOrTensors | None, steps: bool
                  ) -> tuple[Generator[RawStep, None, list[Any]], tuple[Tensor, ...], bool]:
    """`backward`'s arguments checked: the engine run (not started), the `inputs` it
    captures gradients for, and `create_graph` as a bool."""
    outputs = _checked_outputs(tensors)
    create_graph = _flag(create_graph)
    retain_graph = create_graph if retain_graph is None else _flag(retain_graph)
    input_tensors = () if inputs is None else _checked_inputs(inputs, "backward")
    root_edges = [_root_edge(t, i) for i, t in enumerate(outputs)]
    grads = _root_grads(outputs, _as_tuple(grad_tensors), create_graph)
    if not input_tensors:
        return (_run(root_edges, grads, retain_graph=retain_graph, create_graph=create_graph,
                     captures=None, accumulate_nodes=None, steps=steps), (), create_graph)
    edges = [_input_edge(t) for t in input_tensors]
    captures: dict[tuple[Node, int], list[int]] = {}
    for position, (t, edge) in enumerate(zip(input_tensors, edges)):
        if t.grad_fn is not None:
            captures.setdefault(edge, []).append(position)
    leaf_nodes = {edge[0] for t, edge in zip(input_tensors, edges) if t.grad_fn is None}
    run = _run(root_edges, grads, retain_graph=retain_graph, create_graph=create_graph,
               captures=captures, accumulate_nodes=leaf_nodes, steps=steps)
    return run, input_tensors, create_graph


def _accumulate_captured(input_tensors: tuple[Tensor, ...], captured: list[Any],
                         create_graph: bool) -> None:
    """Add the gradients captured for non-leaf `inputs=` to their `.grad`."""
    for position, grad in enumerate(captured):
        if grad is not None:
            input_tensors[position]._accumulate_grad(grad, keep_graph=create_graph)


def _backward_raw(tensors: TensorOrTensors, grad_tensors: TensorOrTensors | None,
                  retain_graph: bool | None, create_graph: bool,
                  inputs: TensorOrTensors | None) -> Generator[RawStep, None, None]:
    """`backward`'s work, yielding each node run as the engine sees it."""
    run, input_tensors, create_graph = _backward_run(tensors, grad_tensors, retain_graph,
                                                     create_graph, inputs, steps=True)
    captured = yield from run
    _accumulate_captured(input_tensors, captured, create_graph)


def backward_steps(tensors: TensorOrTensors, grad_tensors: TensorOrTensors | None = None,
                   retain_graph: bool | None = None, create_graph: bool = False,
                   inputs: TensorOrTensors | None = None) -> Generator[BackwardStep, None, None]:
    """Run a backward pass one node at a time, yielding what each node did.

    Exhausting it is exactly `torch.autograd.backward(...)`: gradients are
    accumulated into the leaves' `.grad` (only into `inputs`, if given).
    """
    raw_steps = _backward_raw(tensors, grad_tensors, retain_graph, create_graph, inputs)
    for index, (node, grads, grad_inputs) in enumerate(raw_steps):
        leaf = node.variable if type(node) is AccumulateGrad else None
        yield BackwardStep(index, node, _as_tensors(grads), _as_tensors(grad_inputs), leaf)


def backward(tensors: TensorOrTensors, grad_tensors: TensorOrTensors | None = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             inputs: TensorOrTensors | None = None) -> None:
    """Accumulate the gradients of `tensors` into the leaves' `.grad`."""
    run, input_tensors, create_graph = _backward_run(tensors, grad_tensors, retain_graph,
                                                     create_graph, inputs, steps=False)
    _accumulate_captured(input_tensors, run_to_end(run), create_graph)


def grad(outputs: TensorOrTensors, inputs: TensorOrTensors,
         grad_outputs: TensorOrTensors | None = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None,
         materialize_grads: bool = False) -> tuple[Tensor | None, ...]:
    """The gradients of `outputs` with respect to `inputs`, returned rather than accumulated."""
    outs = _checked_outputs(outputs)
    input_tensors = _checked_inputs(inputs, "grad")
    create_graph = _flag(create_graph)
    retain_graph = create_graph if retain_graph is None else _flag(retain_graph)
    materialize_grads = _flag(materialize_grads)
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, "
            "but got: allow_unused=False."
        )
    allow_unused = _flag(allow_unused)
    root_edges = [_root_edge(t, i) for i, t in enumerate(outs)]
    grads = _root_grads(outs, _as_tuple(grad_outputs), create_graph)
    captures: dict[tuple[Node, int], list[int]] = {}
    for position, t in enumerate(input_tensors):
        captures.setdefault(_input_edge(t), []).append(position)
    captured = run_to_end(_run(root_edges, grads, retain_graph=retain_graph,
                               create_graph=create_graph, captures=captures,
                               accumulate_nodes=set(), steps=False))
    result = []
    for position, (t, g) in enumerate(zip(input_tensors, captured)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {position} appears to not have been used "
                    "in the graph. Set allow_unused=True if this is the desired behavior."
                )
            if materialize_grads:
                g = Tensor._wrap(np.zeros_like(t._data))
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)
