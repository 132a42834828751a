"""The functional API: Jacobians, Hessians and their products with vectors, for a whole function.

`vjp`, `jvp`, `jacobian`, `hessian`, `vhp` and `hvp` behave as
`torch.autograd.functional`'s: `func` runs with grad mode on (also inside
`no_grad`) on detached copies of the inputs, the results are detached unless
`create_graph=True`, tensors or tuples go in and come out nested the same
way, and `strict=True` turns "this output does not depend on that input"
into PyTorch's errors instead of zeros.

`jvp` and `hvp` use the double-backward trick, as PyTorch does: backward is
linear in its grad_outputs, so differentiating the vector-Jacobian product
with respect to them gives the Jacobian-vector product.

`jacobian(..., vectorize=True)` needs one backward pass, not one per output
element: it pushes the whole standard basis through the graph at once, as
grad_outputs with a leading batch dim (`_batched_grad` below).
`strategy="forward-mode"` pushes the basis forward instead, as tangents with
a leading batch dim (see `forward_ad`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any

from minigrad import backend
from minigrad._creation import zeros_like
from minigrad._tensor import Tensor
from minigrad.autograd import engine, forward_ad
from minigrad.autograd.engine import grad as autograd_grad
from minigrad.autograd.function import BackwardFunction
from minigrad.autograd.grad_mode import enable_grad, is_grad_enabled, set_grad_enabled
from minigrad.autograd.graph import Node

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]

Tensors = Tensor | tuple[Tensor, ...]
Nested = Tensor | tuple[Any, ...] | list[Any]

# Checks and shaping of arguments and results -------------------------------------


def _as_tensors(value: Any, arg_name: str, fn_name: str | None) -> tuple[bool, tuple[Any, ...]]:
    """`value` as a tuple of tensors, and whether it was a tuple; PyTorch's TypeError otherwise."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            which = f"value at index {i}" if is_tuple else f"given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple "
                            f"of Tensors but the {which} has type {type(item)}.")
    return is_tuple, items


def _prepare(tensors: tuple[Tensor, ...], create_graph: bool, need_graph: bool
             ) -> tuple[Tensor, ...]:
    """Fresh tensor objects to differentiate by: detached, or views when the graph is wanted.

    A new object even when nothing changes, so that inputs the function
    captures from outside are not mistaken for the arguments.
    """
    return tuple(t.view_as(t) if create_graph and t.requires_grad
                 else t.detach().requires_grad_(need_graph) for t in tensors)


def _finish(result: Nested, create_graph: bool) -> Nested:
    """The result, detached unless the caller asked for its graph."""
    if isinstance(result, Tensor):
        return result if create_graph else result.detach()
    return tuple(_finish(item, create_graph) for item in result)


def _unpack(result: tuple[Any, ...] | list[Any], was_tuple: bool | tuple[bool, bool]) -> Any:
    """Undo the tupling of arguments: one level per flag (outer, inner) that was False."""
    outer, inner = was_tuple if isinstance(was_tuple, tuple) else (was_tuple, True)
    if not inner:
        result = tuple(item[0] for item in result)
    return result if outer else result[0]


def _prepare_v(v: Any, reference: tuple[Tensor, ...], is_reference_tuple: bool,
               create_graph: bool, fn_name: str, missing_message: str) -> tuple[Tensor, ...] | None:
    """The vector of a product, checked against the tensors it must match in number and shape."""
    if v is None:
        if len(reference) != 1 or reference[0].numel() != 1:
            raise RuntimeError(missing_message)
        return None
    _, v = _as_tensors(v, "v", fn_name)
    v = _prepare(v, create_graph, need_graph=False)
    if len(v) != len(reference):
        if is_reference_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(reference)} but "
                               f"got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (item, ref) in enumerate(zip(v, reference)):
        if item.size() != ref.size():
            prefix = f"Entry {i} in " if is_reference_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {ref.size()} but got "
                               f"{item.size()}.")
    return v


_NO_V_FOR_INPUT = ("The vector v can only be None if the input to the user-provided function is "
                   "a single Tensor with a single element.")


def _check_requires_grad(tensors: tuple[Tensor | None, ...], kind: str, strict: bool) -> None:
    """In strict mode, refuse results that do not depend on the inputs, with PyTorch's errors."""
    if not strict:
        return
    for i, tensor in enumerate(tensors):
        if tensor is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if tensor.requires_grad:
            continue
        if kind == "hessian":
            raise RuntimeError(
                f"The hessian of the user-provided function with respect to input {i} is "
                "independent of the input. This is not allowed in strict mode. You should ensure "
                "that your function is thrice differentiable and that the hessian depends on the "
                "inputs.")
        if kind == "jacobian":
            raise RuntimeError(
                "While computing the hessian, found that the jacobian of the user-provided "
                f"function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).")
        if kind == "grad_inputs":
            raise RuntimeError(
                f"The gradient with respect to input {i} is independent of the inputs of the "
                "user-provided function. This is not allowed in strict mode.")
        raise RuntimeError(
            f"Output {i} of the user-provided function does not require gradients. The outputs "
            "must be computed in a differentiable manner from the input when running in strict "
            "mode.")


def _grad(outputs: tuple[Tensor | None, ...], inputs: tuple[Tensor, ...],
          grad_outputs: tuple[Tensor | None, ...] | None = None, create_graph: bool = False,
          retain_graph: bool | None = None) -> tuple[Tensor | None, ...]:
    """`autograd.grad` over the outputs that are in the graph; None for inputs not reached."""
    grad_outputs = grad_outputs or (None,) * len(outputs)
    kept = [(out, g) for out, g in zip(outputs, grad_outputs)
            if out is not None and out.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    return autograd_grad(tuple(out for out, _ in kept), inputs, tuple(g for _, g in kept),
                         retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)


_MISSING_GRAD_MESSAGES = {
    "back": "The output of the user-provided function is independent of input {i}. This is not "
            "allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
                   "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} "
                         "in the grad_jacobian. This is not allowed in strict mode as it "
                         "prevents from using the double backward trick to replace forward mode "
                         "AD.",
}


def _fill_in_zeros(grads: tuple[Tensor | None, ...], refs: tuple[Tensor, ...], strict: bool,
                   create_graph: bool, stage: str) -> tuple[Tensor, ...]:
    """Zeros for the gradients that never arrived (the true value), or an error in strict mode."""
    result = []
    for i, (grad, ref) in enumerate(zip(grads, refs)):
        if grad is None:
            if strict:
                raise RuntimeError(_MISSING_GRAD_MESSAGES[stage].format(i=i))
            grad = zeros_like(ref)
        elif strict and create_graph and not grad.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")
        result.append(grad)
    return tuple(result)


def _inputs_for(inputs: Tensors, create_graph: bool, fn_name: str
                ) -> tuple[bool, tuple[Tensor, ...]]:
    """The inputs as a tuple of fresh tensors that require grad, and whether a tuple came in."""
    is_inputs_tuple, tensors = _as_tensors(inputs, "inputs", fn_name)
    return is_inputs_tuple, _prepare(tensors, create_graph, need_graph=True)


def _outputs_of(func: Callable[..., Tensors], inputs: tuple[Tensor, ...], strict: bool,
                fn_name: str) -> tuple[bool, tuple[Tensor, ...]]:
    """`func(*inputs)` as a tuple, checked as strict mode asks, and whether it was a tuple."""
    is_outputs_tuple, outputs = _as_tensors(
        func(*inputs), "outputs of the user-provided function", fn_name)
    _check_requires_grad(outputs, "outputs", strict)
    return is_outputs_tuple, outputs


# vjp, jvp, vhp, hvp ------------------------------------------------------------------


def vjp(func: Callable[..., Tensors], inputs: Tensors, v: Tensors | None = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Tensors, Tensors]:
    """`(func(inputs), vᵀ J)`: the vector-Jacobian product, one backward pass."""
    with enable_grad():
        is_inputs_tuple, inputs = _inputs_for(inputs, create_graph, "vjp")
        is_outputs_tuple, outputs = _outputs_of(func, inputs, strict, "vjp")
        v = _prepare_v(v, outputs, is_outputs_tuple, create_graph, "vjp",
                       "The vector v can only be None if the user-provided function returns a "
                       "single Tensor with a single element.")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _grad(outputs, inputs, v, create_graph=create_graph)
        products = _fill_in_zeros(grads, inputs, strict, create_graph, "back")
    return (_unpack(_finish(outputs, create_graph), is_outputs_tuple),
            _unpack(_finish(products, create_graph), is_inputs_tuple))


def jvp(func: Callable[..., Tensors], inputs: Tensors, v: Tensors | None = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Tensors, Tensors]:
    """`(func(inputs), J v)`: the Jacobian-vector product, by the double-backward trick."""
    with enable_grad():
        is_inputs_tuple, inputs = _inputs_for(inputs, create_graph, "jvp")
        v = _prepare_v(v, inputs, is_inputs_tuple, create_graph, "jvp", _NO_V_FOR_INPUT)
        is_outputs_tuple, outputs = _outputs_of(func, inputs, strict, "jvp")
        # uᵀ J is linear in u: any u works as the variable to differentiate by (zeros are finite).
        dummies = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _grad(outputs, inputs, dummies, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _grad(grad_inputs, dummies, v, create_graph=create_graph)
        products = _fill_in_zeros(grads, outputs, strict, create_graph, "back_trick")
    return (_unpack(_finish(outputs, create_graph), is_outputs_tuple),
            _unpack(_finish(products, create_graph), is_outputs_tuple))


def _scalar_gradient(func: Callable[..., Tensors], inputs: Tensors, v: Tensors | None,
                     create_graph: bool, strict: bool, fn_name: str) -> tuple[Any, ...]:
    """What vhp and hvp share: run `func`, check it is scalar, take its gradient with a graph."""
    is_inputs_tuple, inputs = _inputs_for(inputs, create_graph, fn_name)
    v = _prepare_v(v, inputs, is_inputs_tuple, create_graph, fn_name, _NO_V_FOR_INPUT)
    is_outputs_tuple, outputs = _outputs_of(func, inputs, strict, fn_name)
    if is_outputs_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                           "contain a single element")
    gradient = _grad(outputs, inputs, create_graph=True)
    _check_requires_grad(gradient, "jacobian", strict)
    return is_inputs_tuple, inputs, v, outputs, gradient


def vhp(func: Callable[..., Tensor], inputs: Tensors, v: Tensors | None = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Tensor, Tensors]:
    """`(func(inputs), vᵀ H)` for a scalar function: backward through its gradient."""
    with enable_grad():
        is_inputs_tuple, inputs, v, outputs, gradient = _scalar_gradient(
            func, inputs, v, create_graph, strict, "vhp")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _grad(gradient, inputs, v, create_graph=create_graph)
        products = _fill_in_zeros(grads, inputs, strict, create_graph, "double_back")
    return (_finish(outputs[0], create_graph),
            _unpack(_finish(products, create_graph), is_inputs_tuple))


def hvp(func: Callable[..., Tensor], inputs: Tensors, v: Tensors | None = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Tensor, Tensors]:
    """`(func(inputs), H v)` for a scalar function, by the double-backward trick on `vhp`."""
    with enable_grad():
        is_inputs_tuple, inputs, v, outputs, gradient = _scalar_gradient(
            func, inputs, v, create_graph, strict, "hvp")
        dummies = tuple(zeros_like(t, requires_grad=True) for t in inputs)
        vector_hessian = _grad(gradient, inputs, dummies, create_graph=True)
        _check_requires_grad(gradient, "hessian", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _grad(vector_hessian, dummies, v, create_graph=create_graph)
        products = _fill_in_zeros(grads, inputs, strict, create_graph, "double_back_trick")
    return (_finish(outputs[0], create_graph),
            _unpack(_finish(products, create_graph), is_inputs_tuple))


# jacobian and hessian -------------------------------------------------------------


def jacobian(func: Callable[..., Tensors], inputs: Tensors, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False, strategy: str = "reverse-mode"
             ) -> Nested:
    """Every partial derivative of every output with respect to every input.

    `jacobian[i][j]` has shape `outputs[i].shape + inputs[j].shape`; the
    nesting drops a level for a single (non-tuple) output or input.
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and "
                '`strategy="forward-mode"` are not supported together (yet). Please either set '
                '`create_graph=False` or `strategy="reverse-mode"`.')
        return _forward_jacobian(func, inputs, strict, vectorize)
    with enable_grad():
        is_inputs_tuple, inputs = _inputs_for(inputs, create_graph, "jacobian")
        is_outputs_tuple, outputs = _outputs_of(func, inputs, strict, "jacobian")
        if vectorize:
            if strict:
                raise RuntimeError(
                    "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are "
                    "not supported together. Please either set `strict=False` or "
                    "`vectorize=False`.")
            result = _batched_jacobian(outputs, inputs, create_graph)
        else:
            result = _row_by_row_jacobian(outputs, inputs, create_graph, strict)
        return _unpack(_finish(result, create_graph), (is_outputs_tuple, is_inputs_tuple))


def _row_by_row_jacobian(outputs: tuple[Tensor, ...], inputs: tuple[Tensor, ...],
                         create_graph: bool, strict: bool) -> tuple[tuple[Tensor, ...], ...]:
    """One backward pass per output element, each giving one row of every input's block."""
    result = []
    for i, out in enumerate(outputs):
        rows: list[list[Tensor]] = [[] for _ in inputs]
        flat = out.reshape(-1)  # once for all rows (PyTorch reshapes for each)
        for j in range(out.numel()):
            grads = _grad((flat[j],), inputs, retain_graph=True, create_graph=create_graph)
            for k, (grad, inp) in enumerate(zip(grads, inputs)):
                if grad is None:
                    if strict:
                        raise RuntimeError(f"Output {i} of the user-provided function is "
                                           f"independent of input {k}. This is not allowed in "
                                           "strict mode.")
                    grad = zeros_like(inp)
                elif strict and create_graph and not grad.requires_grad:
                    # PyTorch names the output's index here, not the input's.
                    raise RuntimeError(f"The jacobian of the user-provided function is "
                                       f"independent of input {i}. This is not allowed in "
                                       "strict mode when create_graph=True.")
                rows[k].append(grad)
        result.append(tuple(_stack(block).view(*out.shape, *inp.shape)
                            for block, inp in zip(rows, inputs)))
    return tuple(result)


def _stack(tensors: list[Tensor]) -> Tensor:
    """Rows stacked with the public `stack`, as PyTorch's functional API calls `torch.stack`
    (so a graph of the result shows StackBackward0): the one op this module calls by name."""
    from minigrad import stack

    return stack(tensors, 0)


def _standard_basis(tensors: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """The identity matrix of size sum(numels), cut into one column block per tensor."""
    numels = [t.numel() for t in tensors]
    total = sum(numels)
    blocks = []
    for t, start in zip(tensors, itertools.accumulate([0, *numels])):
        # Ones at (start + j, j): the identity's columns for this tensor, on its device.
        xp = backend.array_module(t._data)
        blocks.append(Tensor._wrap(xp.eye(total, t.numel(), -start, dtype=t._data.dtype)))
    return tuple(blocks)


def _batched_jacobian(outputs: tuple[Tensor, ...], inputs: tuple[Tensor, ...],
                      create_graph: bool) -> tuple[tuple[Tensor, ...], ...]:
    """All rows at once: one backward pass with the standard basis as a batch of grad_outputs."""
    numels = [out.numel() for out in outputs]
    grads = _batched_grad(tuple(out.reshape(-1) for out in outputs), inputs,
                          _standard_basis(outputs), create_graph)
    per_input = []
    for grad, inp in zip(grads, inputs):
        if grad is None:
            grad = zeros_like(inp).expand(sum(numels), *inp.shape)
        # One output's block is the whole gradient: split only where a graph shows it.
        blocks = (grad,) if len(outputs) == 1 and not create_graph else grad.split(numels, 0)
        per_input.append(tuple(block.view(*out.shape, *inp.shape)
                               for block, out in zip(blocks, outputs)))
    return tuple(zip(*per_input))


def _forward_jacobian(func: Callable[..., Tensors], inputs: Tensors, strict: bool,
                      vectorize: bool) -> Nested:
    """All columns at once: one forward pass with the standard basis as a batch of tangents."""
    if strict:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` and `strategy=\"forward-mode\"` "
            "are not supported together (yet). Please either set `strict=False` or "
            '`strategy="reverse-mode"`.')
    is_inputs_tuple, inputs = _as_tensors(inputs, "inputs", "jacobian")
    if not vectorize:
        # The missing space is PyTorch's.
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse "
                                  "Hessian isonly implemented for `vectorize=True`.")
    numels = [t.numel() for t in inputs]
    with forward_ad.dual_level():
        duals = tuple(forward_ad._make_dual(t, basis.reshape(-1, *t.shape))
                      for t, basis in zip(inputs, _standard_basis(inputs)))
        is_outputs_tuple, outputs = _as_tensors(func(*duals), "outputs", None)
        unpacked = [forward_ad.unpack_dual(out) for out in outputs]
    result = []  # lists, not tuples: what PyTorch returns from forward mode
    for primal, tangent in unpacked:
        if tangent is None:
            tangent = zeros_like(primal).expand(sum(numels), *primal.shape)
        # The basis index is the input's element: move it behind the output's dims.
        result.append([
            block.permute(*range(1, block.ndim), 0).reshape(*primal.shape, *inp.shape)
            for block, inp in zip(tangent.split(numels, 0), inputs)])
    return _unpack(result, (is_outputs_tuple, is_inputs_tuple))


def hessian(func: Callable[..., Tensor], inputs: Tensors, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Nested:
    """All second derivatives of a scalar function: the Jacobian of its gradient.

    The gradient is always taken in reverse mode; `outer_jacobian_strategy`
    picks how its Jacobian is taken ("forward-mode" is forward-over-reverse).
    """
    is_inputs_tuple, inputs = _as_tensors(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_function(*args: Tensor) -> Tensor:
        out = func(*args)
        is_out_tuple, outs = _as_tensors(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(outs, "outputs", strict)
        if is_out_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.squeeze()

    def gradient(*args: Tensor) -> tuple[Tensor, ...]:
        if outer_jacobian_strategy == "forward-mode":
            args = tuple(t.requires_grad_(True) for t in args)
        result = jacobian(scalar_function, args, create_graph=True)
        _check_requires_grad(result, "jacobian", strict)
        return result

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict,
                      vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _unpack(result, (is_inputs_tuple, is_inputs_tuple))


# Batched backward ------------------------------------------------------------------
#
# A batched gradient has one leading dim more than the tensor it belongs to:
# row b is the gradient for grad_outputs[b]. Every node passes the whole batch
# on in one call, as its op class says (`_node_batched_backward`): elementwise
# ops need nothing special (their backward multiplies by factors of the
# output's shape, which broadcast over the batch dim); ops with dims or shapes
# in their backward have a `backward_batched` that shifts them by one; anything
# else (a learner's own Function) runs once per row, which is slow but right.


def _batched_grad(outputs: tuple[Tensor, ...], inputs: tuple[Tensor, ...],
                  grad_outputs: tuple[Tensor, ...], create_graph: bool
                  ) -> tuple[Tensor | None, ...]:
    """`autograd.grad` for a batch of grad_outputs (leading dim) in one pass of the engine.

    Returns one batched gradient per input, None for inputs the outputs do not reach.
    """
    pairs = [(out, g) for out, g in zip(outputs, grad_outputs) if out.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    roots = [engine._root_edge(out, i) for i, (out, _) in enumerate(pairs)]
    captures: dict[tuple[Node, int], list[int]] = {}
    for position, t in enumerate(inputs):
        captures.setdefault(engine._input_edge(t), []).append(position)
    run = engine._run(roots, [g if create_graph else g.detach() for _, g in pairs],
                      retain_graph=True, create_graph=create_graph, captures=captures,
                      accumulate_nodes=set(), steps=False,
                      vectorized=functools.partial(_run_batched, batch=pairs[0][1].shape[0]))
    return tuple(engine.run_to_end(run))


def _run_batched(node: Node, grads: list[Tensor | None], batch: int
                 ) -> tuple[Tensor | None, ...]:
    """What `node` sends on for a batch of gradients: zeros of the batch's shape for outputs
    that got none, the node's batched backward, broadcast dims summed away."""
    if all(g is None for g in grads):
        return (None,) * len(node.next_functions)
    xp = backend.array_module(next(g._data for g in grads if g is not None))
    filled = [Tensor._wrap(xp.zeros((batch, *meta[0]), meta[1]))
              if g is None and meta is not None else g
              for g, meta in zip(grads, node._output_metadata)]
    inputs = node._input_metadata
    return tuple(None if g is None else _sum_to_batched(g, inputs[i] if i < len(inputs) else None)
                 for i, g in enumerate(_node_batched_backward(node, filled)))


def _sum_to_batched(grad: Tensor, metadata: tuple[tuple[int, ...], Any] | None) -> Tensor:
    """Sum a batched gradient's broadcast dims back to its input's shape and dtype
    (`metadata`; None: keep it as it is), keeping the batch dim."""
    if metadata is None:
        return grad
    shape, dtype = metadata
    batch, grad_shape = grad.shape[0], tuple(grad.shape[1:])
    if grad_shape != shape:
        lead = len(grad_shape) - len(shape)
        dims = tuple(range(1, lead + 1)) + tuple(
            1 + lead + i for i, s in enumerate(shape) if s == 1 and grad_shape[lead + i] != 1)
        if dims:
            grad = grad.sum(dims, keepdim=True)
        grad = grad.reshape(batch, *shape)
    if grad._data.dtype != dtype:
        grad = grad.to(backend.from_numpy_dtype(dtype))
    return grad


def _node_batched_backward(node: BackwardFunction, grads: list[Tensor]
                           ) -> tuple[Tensor | None, ...]:
    """The node's backward for batched grads: one gradient per entry of next_functions.

    The op's class says how: its own `backward` when it sets
    `backward_broadcasts_over_batch`, its `backward_batched(ctx, *grads)` (one
    gradient per forward argument) when it has one, else one row at a time.
    """
    op = node._forward_cls
    if op.backward_broadcasts_over_batch:
        if op._backward_on_arrays and not is_grad_enabled():  # no graph of it wanted
            sent = node._apply_arrays([None if g is None else g._data for g in grads])
            return engine._as_tensors(sent)  # the formula on arrays, as a plain backward runs it
        return node.apply(grads)
    rule = op.backward_batched
    if rule is None:
        return _row_by_row_backward(node, grads)
    per_argument = rule(node, *grads)
    if not isinstance(per_argument, tuple):
        per_argument = (per_argument,)
    return tuple(node._grads_for_edges(per_argument))


def _row_by_row_backward(node: BackwardFunction, grads: list[Tensor]
                         ) -> tuple[Tensor | None, ...]:
    """Any op's backward, batched the slow way: one call per row of the batch, stacked."""
    rows = [node.apply([g[b] for g in grads]) for b in range(grads[0].shape[0])]
    result: list[Tensor | None] = []
    for per_row in zip(*rows):
        present = next((g for g in per_row if g is not None), None)
        result.append(None if present is None else _stack(
            [g if g is not None else present * 0 for g in per_row]))
    return tuple(result)
