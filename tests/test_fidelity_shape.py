"""Shapes, reductions and matrix products off the tutorial's path, against PyTorch (issue 13).

Each program runs once on minigrad and once on PyTorch; a learner must see the same
result (values, dtype, the graph's node names along next_functions, the leaves'
gradients) or the same error (class and message). Programs cover dims on 0-d
tensors, size-0 tensors, the graphs PyTorch builds (matmul, indexing, softmax's
double backward), and which nodes keep saved tensors, so that a second backward
through a freed graph fails exactly when PyTorch's does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minigrad

Program = Callable[[Any], tuple[list[Any], Any]]


def graph(node: Any) -> str:
    """The node names along next_functions, nested: `MulBackward0(AccumulateGrad, None)`."""
    if node is None:
        return "None"
    name = node.name().replace("torch::autograd::", "")
    children = [graph(child) for child, _ in node.next_functions]
    return f"{name}({', '.join(children)})" if children else name


def observe(program: Program, library: Any) -> dict[str, Any]:
    """What a learner sees when running `program`: the result and the leaves' gradients,
    or the error it raises."""
    try:
        leaves, out = program(library)
        seen: dict[str, Any] = {
            "shape": tuple(out.shape),
            "dtype": str(out.dtype),
            "values": out.detach().numpy().copy(),
            "graph": graph(out.grad_fn),
        }
        if out.requires_grad:
            out.sum().backward()
            seen["grads"] = [None if leaf.grad is None else leaf.grad.numpy().copy()
                             for leaf in leaves]
            seen["grad_dtypes"] = [None if leaf.grad is None else str(leaf.grad.dtype)
                                   for leaf in leaves]
        return seen
    except Exception as error:
        return {"error": (type(error).__name__, str(error))}


def assert_same(program: Program) -> None:
    """minigrad and PyTorch show the same result, graph and gradients, or the same error."""
    ours, theirs = observe(program, minigrad), observe(program, torch)
    assert ours.keys() == theirs.keys(), (ours, theirs)
    for key, expected in theirs.items():
        if key == "values":
            np.testing.assert_allclose(ours[key], expected, rtol=1e-6, atol=1e-7)
        elif key == "grads":
            assert len(ours[key]) == len(expected)
            for mine, reference in zip(ours[key], expected):
                assert (mine is None) == (reference is None)
                if reference is not None:
                    assert mine.shape == reference.shape
                    np.testing.assert_allclose(mine, reference, rtol=1e-6, atol=1e-7)
        else:
            assert ours[key] == expected, key


def scalar(T: Any) -> Any:
    """A 0-d leaf that requires grad."""
    return T.tensor(1.5, requires_grad=True)


def leaf(T: Any, *shape: int, value: float | None = None) -> Any:
    """A leaf that requires grad, with distinct values (or all `value`)."""
    count = int(np.prod(shape))
    data = np.full(shape, value) if value is not None else (
        np.arange(count, dtype=np.float32).reshape(shape) * 0.37 - 1.1)
    return T.tensor(data.astype(np.float32), requires_grad=True)


def on_scalar(action: Callable[[Any, Any], Any]) -> Program:
    """The program that applies `action` to a 0-d leaf."""

    def program(T: Any) -> tuple[list[Any], Any]:
        s = scalar(T)
        return [s], action(T, s)
    return program


# Item 4: PyTorch accepts dims 0 and -1 on a 0-d tensor (and refuses others with its message).
ZERO_DIM = {
    "sum_0": lambda T, s: s.sum(0),
    "sum_-1_keepdim": lambda T, s: s.sum(-1, keepdim=True),
    "sum_tuple": lambda T, s: s.sum((0,)),
    "sum_1": lambda T, s: s.sum(1),
    "sum_repeated": lambda T, s: s.sum((0, -1)),
    "mean_0": lambda T, s: s.mean(0),
    "mean_-1_keepdim": lambda T, s: s.mean(-1, keepdim=True),
    "max_0": lambda T, s: s.max(0).values,
    "max_0_indices": lambda T, s: s.max(0).indices,
    "min_-1_keepdim": lambda T, s: s.min(-1, keepdim=True).values,
    "amax_0": lambda T, s: s.amax(0),
    "argmax_0": lambda T, s: s.argmax(0),
    "argmin_-1": lambda T, s: s.argmin(-1, keepdim=True),
    "norm_dim_0": lambda T, s: s.norm(dim=0),
    "squeeze_0": lambda T, s: s.squeeze(0),
    "squeeze_-1": lambda T, s: s.squeeze(-1),
    "squeeze_tuple": lambda T, s: s.squeeze((0,)),
    "squeeze_1": lambda T, s: s.squeeze(1),
    "transpose_0_-1": lambda T, s: s.transpose(0, -1),
    "transpose_2d_same_dim": lambda T, s: s.expand(2, 3).transpose(1, 1),
    "softmax_0": lambda T, s: s.softmax(0),
    "log_softmax_-1": lambda T, s: s.log_softmax(-1),
    "softmax_1": lambda T, s: s.softmax(1),
    "unsqueeze_-1": lambda T, s: s.unsqueeze(-1),
    "flatten": lambda T, s: s.flatten(0, -1),
    "flatten_1": lambda T, s: s.flatten(0, 1),
    "movedim": lambda T, s: s.movedim(0, -1),
    "permute_0": lambda T, s: s.permute(0),
    "permute_none": lambda T, s: s.permute(()),
    "unbind": lambda T, s: s.unbind(0)[0],
    "split": lambda T, s: s.split(1, 0)[0],
    "chunk": lambda T, s: s.chunk(1, 0)[0],
    "narrow": lambda T, s: s.narrow(0, 0, 1),
    "select": lambda T, s: s.select(0, 0),
    "stack_-1": lambda T, s: T.stack([s, s * 2], -1),
    "cat_scalar_first": lambda T, s: T.cat([s, T.ones(2)]),
    "cat_scalar_second": lambda T, s: T.cat([T.ones(2), s]),
}


@pytest.mark.parametrize("name", ZERO_DIM)
def test_dims_on_a_0d_tensor(name: str) -> None:
    assert_same(on_scalar(ZERO_DIM[name]))


# Item 6: size-0 tensors.
EMPTY: dict[str, Program] = {
    "bmm_empty_inner": lambda T: ([a := leaf(T, 4, 3, 0)], a @ T.zeros(4, 0, 2)),
    "matrix_at_empty_batch": lambda T: ([a := leaf(T, 4, 3)], a @ T.zeros(2, 3, 0)),
    "constant_matrix_at_empty_batch": lambda T: ([], T.ones(4, 3) @ T.zeros(2, 3, 0)),
    "empty_vector_at_batch": lambda T: ([b := leaf(T, 4, 0, 2)], T.zeros(0) @ b),
    "batch_at_empty_vector": lambda T: ([], T.zeros(4, 3, 0) @ T.zeros(0)),
    "softmax_empty_dim": lambda T: ([a := leaf(T, 3, 0)], a.softmax(1)),
    "softmax_other_dim": lambda T: ([a := leaf(T, 3, 0)], a.softmax(0)),
    "log_softmax_empty": lambda T: ([a := leaf(T, 0, 3)], a.log_softmax(1)),
    "index_empty_list": lambda T: ([a := leaf(T, 3, 2)], a[[]]),
    "index_empty_columns": lambda T: ([a := leaf(T, 3, 2)], a[:, []]),
    "cat_legacy_empty": lambda T: (
        [a := leaf(T, 0), b := leaf(T, 2, 2)], T.cat([a, b, a])),
    "cat_legacy_empty_dim_1": lambda T: (
        [a := leaf(T, 0), b := leaf(T, 2, 2)], T.cat([a, b], 1)),
    "cat_legacy_empty_dtype": lambda T: (
        [b := leaf(T, 2, 2)], T.cat([T.zeros(0, dtype=T.float64), b])),
    "cat_only_empty": lambda T: ([a := leaf(T, 0)], T.cat([a, a])),
    "cat_empty_then_mismatch": lambda T: ([], T.cat([T.zeros(0), T.ones(2, 2), T.ones(3)])),
    "max_over_empty_dim": lambda T: ([], T.zeros(3, 0).max(1).values),
    "min_over_empty_dim": lambda T: ([], T.zeros(3, 0).min(-1).values),
    "max_along_full_dim": lambda T: ([], T.zeros(3, 0).max(0).values),
    "amax_over_empty_dim": lambda T: ([], T.zeros(3, 0).amax(1)),
    "amax_all_empty": lambda T: ([], T.zeros(0).amax()),
    "argmax_over_empty_dim": lambda T: ([], T.zeros(3, 0).argmax(1)),
    "argmax_all_empty": lambda T: ([], T.zeros(0).argmax()),
    "max_all_empty": lambda T: ([], T.zeros(0).max()),
    "sum_empty_dim": lambda T: ([a := leaf(T, 3, 0)], a.sum(1)),
    "mean_empty_dim": lambda T: ([a := leaf(T, 3, 0)], a.mean(1)),
    "mean_all_empty": lambda T: ([], T.zeros(0).mean()),
    "norm_empty_dim": lambda T: ([a := leaf(T, 3, 0)], a.norm(dim=1)),
    "reshape_empty_inferred": lambda T: ([], T.zeros(0, 3).reshape(-1, 0)),
    "amax_negative_empty_dim": lambda T: ([], T.zeros(4, 0, 2).amax(-2)),
    "chunk_empty": lambda T: ([a := leaf(T, 0, 3)], a.chunk(3)[2]),
    "split_with_sizes": lambda T: ([a := leaf(T, 2, 3)], a.split([1, 2], 1)[1]),
    "index_list_into_empty": lambda T: ([], T.zeros(0, 3)[[0]]),
    "index_0d_with_int": lambda T: ([], T.tensor(1.0)[0]),
}


@pytest.mark.parametrize("name", EMPTY)
def test_size_0_tensors(name: str) -> None:
    assert_same(EMPTY[name])


# Item 8: the graph PyTorch builds for matmul, indexing and reshapes after indexing.
GRAPHS: dict[str, Program] = {
    "vector_at_batch": lambda T: ([v := leaf(T, 3), b := leaf(T, 4, 3, 5)], v @ b),
    "matrix_at_batch": lambda T: ([m := leaf(T, 2, 3), b := leaf(T, 4, 3, 5)], m @ b),
    "constant_vector_at_batch": lambda T: ([b := leaf(T, 4, 3, 5)], T.ones(3) @ b),
    "constant_matrix_at_batch": lambda T: ([b := leaf(T, 4, 3, 5)], T.ones(2, 3) @ b),
    "batch_at_vector": lambda T: ([b := leaf(T, 4, 5, 3), v := leaf(T, 3)], b @ v),
    "batch_at_matrix": lambda T: ([b := leaf(T, 4, 5, 3), m := leaf(T, 2, 3)], b @ m.t()),
    "transposed_batch_at_constant": lambda T: (
        [b := leaf(T, 4, 5, 3)], b.transpose(0, 1) @ T.ones(3, 2)),
    "transposed_batch_at_matrix": lambda T: (
        [b := leaf(T, 4, 5, 3), m := leaf(T, 3, 2)], b.transpose(0, 1) @ m),
    "broadcast_batches": lambda T: (
        [a := leaf(T, 2, 1, 3, 5), b := leaf(T, 4, 5, 2)], a @ b),
    "vector_at_4d": lambda T: ([v := leaf(T, 3)], v @ T.ones(2, 1, 3, 4)),
    "4d_at_vector": lambda T: ([a := leaf(T, 2, 1, 4, 3)], a @ T.ones(3)),
    "batches_do_not_broadcast": lambda T: ([], T.ones(2, 4, 3) @ T.ones(4, 3, 5)),
    "inner_sizes_differ": lambda T: ([], T.ones(3, 2) @ T.ones(4, 3, 2)),
    "slice_then_select": lambda T: ([x := leaf(T, 5, 4)], x[0:3, 1]),
    "full_slice_then_slice": lambda T: ([x := leaf(T, 5, 4)], x[:, 0:3]),
    "reshape_after_index": lambda T: ([x := leaf(T, 5, 4)], x[[0, 1]].reshape(-1)),
    "reshape_after_column_index": lambda T: ([x := leaf(T, 5, 4)], x[:, [0, 1]].reshape(-1)),
    "view_after_column_index": lambda T: ([x := leaf(T, 5, 4)], x[:, [0, 2]].view(-1)),
    "view_after_split_index": lambda T: ([x := leaf(T, 2, 3, 2)], x[[0, 1], :, [1, 0]].view(-1)),
}


@pytest.mark.parametrize("name", GRAPHS)
def test_graph_names_along_next_functions(name: str) -> None:
    assert_same(GRAPHS[name])


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_double_backward_calls_the_named_op(op: str) -> None:
    """PyTorch's softmax backward is `_softmax_backward_data`: one node in a double backward."""
    seen = {}
    for T in (minigrad, torch):
        x = T.tensor([[0.3, -1.2, 2.0], [1.0, 0.5, -0.7]], requires_grad=True)
        y = getattr(x, op)(1)
        (g,) = T.autograd.grad((y * y).sum(), x, create_graph=True)
        node = g.grad_fn
        saved = (node._saved_dim, node._saved_output.detach().numpy(),
                 node._saved_grad_output.detach().numpy())
        (gg,) = T.autograd.grad((g * g).sum(), x)
        seen[T] = (graph(node), g.detach().numpy(), gg.numpy(), *saved)
    ours, theirs = seen[minigrad], seen[torch]
    assert ours[0] == theirs[0]
    assert ours[3] == theirs[3]
    for mine, reference in zip(ours[1:3] + ours[4:], theirs[1:3] + theirs[4:]):
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-6)


def test_view_after_advanced_indexing_is_contiguous() -> None:
    for T in (minigrad, torch):
        picked = T.ones(5, 4)[:, [0, 1]]
        assert picked.is_contiguous()


LAYOUTS: dict[str, Callable[[Any], Any]] = {
    "transposed": lambda T: T.ones(2, 3).t(),
    "permuted": lambda T: T.arange(24.0).reshape(2, 3, 4).permute(2, 0, 1),
    "transposed_with_gaps": lambda T: T.ones(4, 6).t()[::2],
    "middle_dims_swapped": lambda T: T.arange(24.0).reshape(2, 3, 4).transpose(1, 2),
    "expanded": lambda T: T.ones(3, 1).expand(3, 4),
    "sliced": lambda T: T.arange(24.0).reshape(2, 3, 4)[:, ::2],
}


@pytest.mark.parametrize("name", LAYOUTS)
def test_clone_keeps_the_layout_and_contiguous_makes_rows(name: str) -> None:
    """`clone()` keeps a transposed or permuted layout (PyTorch's preserve_format), an
    expanded one becomes rows; `contiguous()` and a copying `reshape` always give rows."""
    seen = {}
    for T in (minigrad, torch):
        x = LAYOUTS[name](T)
        flat = x.reshape(-1)
        seen[T] = (tuple(x.clone().stride()), x.clone().is_contiguous(),
                   tuple(x.contiguous().stride()), flat.is_contiguous(), flat.tolist())
    assert seen[minigrad] == seen[torch]


NAN = float("nan")
EXTREMA: dict[str, Program] = {
    "max_with_nan": lambda T: ([x := T.tensor([NAN, 0.0, 0.0], requires_grad=True)], x.max()),
    "min_with_two_nans": lambda T: (
        [x := T.tensor([NAN, 1.0, NAN], requires_grad=True)], x.min()),
    "max_ties": lambda T: ([x := T.tensor([1.0, 3.0, 3.0], requires_grad=True)], x.max()),
    "max_inf": lambda T: ([x := T.tensor([2.0, float("inf"), 1.0], requires_grad=True)],
                          x.max()),
    "max_dim_with_nan": lambda T: (
        [x := T.tensor([[NAN, 1.0], [2.0, 3.0]], requires_grad=True)], x.max(1).values),
}


@pytest.mark.parametrize("name", EXTREMA)
def test_extrema_gradients_with_ties_and_nan(name: str) -> None:
    """max() gives a NaN result's gradient to the NaNs, as PyTorch does (not NaN everywhere)."""
    assert_same(EXTREMA[name])


# Item 9: errors (class and message) and promotion of the shape ops.
MESSAGES: dict[str, Program] = {
    "expand_trailing_mismatch": lambda T: ([], T.ones(3, 2).expand(4, 3, 3)),
    "expand_middle_mismatch": lambda T: ([], T.ones(3, 1).expand(4, 2, 5)),
    "expand_minus_one_in_new_dim": lambda T: ([], T.ones(3, 1).expand(-1, -1, 2)),
    "expand_minus_one_in_second_new_dim": lambda T: ([], T.ones(3).expand(2, -1, 3)),
    "expand_too_few_sizes": lambda T: ([], T.ones(2, 3).expand(3)),
    "cat_two_scalars": lambda T: ([], T.cat([T.tensor(1.0), T.tensor(2.0)])),
    "cat_promotes_float64": lambda T: (
        [a := leaf(T, 2), b := T.ones(2, dtype=T.float64, requires_grad=True)], T.cat([a, b])),
    "cat_promotes_int": lambda T: ([a := leaf(T, 2)], T.cat([T.ones(2, dtype=T.int64), a])),
    "cat_int_and_bool": lambda T: ([], T.cat([T.ones(2, dtype=T.int64), T.ones(2, dtype=T.bool)])),
    "cat_nothing": lambda T: ([], T.cat([])),
    "softmax_of_long": lambda T: ([], T.tensor([1, 2]).softmax(0)),
    "softmax_of_long_inner_dim": lambda T: ([], T.ones(2, 3, dtype=T.int64).softmax(0)),
    "log_softmax_of_bool": lambda T: ([], T.tensor([True]).log_softmax(-1)),
    "softmax_of_long_as_float": lambda T: ([], T.tensor([1, 2]).softmax(0, dtype=T.float64)),
    "mean_as_long": lambda T: ([], T.ones(2, 3).mean(dtype=T.int64)),
    "mean_of_long": lambda T: ([], T.tensor([1, 2]).mean()),
    "dot_float_long": lambda T: ([], T.tensor([1.0, 2.0]) @ T.tensor([1, 2])),
    "view_float_size": lambda T: ([], T.ones(2, 3).view(2, 3.0)),
    "reshape_tuple_with_float": lambda T: ([], T.ones(2, 3).reshape((2, 3.0))),
    "expand_str_size": lambda T: ([], T.ones(2, 3).expand(2, "a")),
    "repeat_float": lambda T: ([], T.ones(2, 3).repeat(2, 1.0)),
    "permute_float": lambda T: ([], T.ones(2, 3).permute(0, 1.0)),
    "select_out_of_range": lambda T: ([], T.ones(2, 3).select(1, -4)),
    "index_out_of_range": lambda T: ([], T.ones(2, 3)[:, 3]),
    "index_list_out_of_range": lambda T: ([], T.ones(2, 3)[[0, -3]]),
    "narrow_past_the_end": lambda T: ([], T.ones(2, 3).narrow(1, 2, 2)),
    "narrow_start_out_of_range": lambda T: ([], T.ones(2, 3).narrow(1, 4, 0)),
    "narrow_negative_length": lambda T: ([], T.ones(2, 3).narrow(1, 1, -1)),
    "narrow_negative_start": lambda T: ([x := leaf(T, 2, 3)], x.narrow(1, -2, 2)),
    "split_zero": lambda T: ([], T.ones(2, 3).split(0)[0]),
    "split_negative": lambda T: ([], T.ones(2, 3).split(-1)[0]),
    "split_zero_of_empty": lambda T: ([], T.ones(0, 3).split(0)[0]),
    "chunk_zero": lambda T: ([], T.ones(2, 3).chunk(0)[0]),
    "stack_promotes": lambda T: (
        [a := leaf(T, 2), b := T.ones(2, dtype=T.float64, requires_grad=True)], T.stack([a, b])),
}


@pytest.mark.parametrize("name", MESSAGES)
def test_shape_op_errors_and_promotion(name: str) -> None:
    assert_same(MESSAGES[name])


# Item 3: a node keeps saved tensors exactly when PyTorch's does, so a second backward
# through a freed graph fails (or accumulates) as PyTorch's does.
SECOND_BACKWARD: dict[str, Callable[[Any, Any], Any]] = {
    "cat": lambda T, x: T.cat([x, x]),
    "stack": lambda T, x: T.stack([x, x], 1),
    "mean": lambda T, x: x.mean(),
    "mean_dim": lambda T, x: x.mean(1),
    "sum_dim": lambda T, x: x.sum(0),
    "max": lambda T, x: x.max(),
    "max_dim": lambda T, x: x.max(1).values,
    "amax": lambda T, x: x.amax(0),
    "norm": lambda T, x: x.norm(dim=1),
    "softmax": lambda T, x: x.softmax(1),
    "log_softmax": lambda T, x: x.log_softmax(0),
    "view": lambda T, x: x.view(6),
    "transpose": lambda T, x: x.transpose(0, 1),
    "expand": lambda T, x: x.expand(4, 2, 3),
    "select": lambda T, x: x[0],
    "index": lambda T, x: x[[0, 1, 1]],
    "index_mask": lambda T, x: x[x > 0],
    "unbind": lambda T, x: x.unbind(1)[0],
    "mm": lambda T, x: x @ x.t(),
    "matmul_batch": lambda T, x: x.expand(2, 2, 3) @ T.ones(3),
    "mse_loss": lambda T, x: T.nn.functional.mse_loss(x, T.zeros(2, 3)),
    "nll_loss": lambda T, x: T.nn.functional.nll_loss(x, T.tensor([0, 2])),
    "cross_entropy": lambda T, x: T.nn.functional.cross_entropy(x, T.tensor([0, 2])),
}


@pytest.mark.parametrize("name", SECOND_BACKWARD)
def test_second_backward_through_a_freed_graph(name: str) -> None:
    seen = {}
    for T in (minigrad, torch):
        x = leaf(T, 2, 3)
        y = SECOND_BACKWARD[name](T, x).sum()
        y.backward()
        try:
            y.backward()
            seen[T] = ("accumulated", x.grad.numpy().copy())
        except RuntimeError as error:
            seen[T] = ("raised", str(error))
    assert seen[minigrad][0] == seen[torch][0]
    if seen[torch][0] == "raised":
        assert seen[minigrad][1] == seen[torch][1]
    else:
        np.testing.assert_allclose(seen[minigrad][1], seen[torch][1], rtol=1e-6)


SAVED: dict[str, tuple[Callable[[Any, Any], Any], str]] = {
    "max_dim_indices": (lambda T, x: x.max(1).values, "_saved_indices"),
    "max_0d_indices": (lambda T, x: x[0, 0].max(0).values, "_saved_indices"),
    "softmax_result": (lambda T, x: x.softmax(0), "_saved_result"),
    "amax_result": (lambda T, x: x.amax(1), "_saved_result"),
    "nll_self": (lambda T, x: T.nn.functional.nll_loss(x, T.tensor([0, 2])), "_saved_self"),
    "nll_target": (lambda T, x: T.nn.functional.nll_loss(x, T.tensor([0, 2])), "_saved_target"),
}


@pytest.mark.parametrize("name", SAVED)
def test_saved_tensors_match_torch(name: str) -> None:
    build, attribute = SAVED[name]
    seen = {}
    for T in (minigrad, torch):
        out = build(T, leaf(T, 2, 3))
        saved = getattr(out.grad_fn, attribute)
        seen[T] = (str(saved.dtype), saved.detach().numpy())
    assert seen[minigrad][0] == seen[torch][0]
    np.testing.assert_allclose(seen[minigrad][1], seen[torch][1], rtol=1e-6)

