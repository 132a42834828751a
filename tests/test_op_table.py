"""One table of every differentiable op minigrad exports, each checked the same four ways.

Each entry calls the op through a library argument (`minigrad` or `torch`), so one line runs
both. For each entry: (a) `gradcheck`, (b) `gradgradcheck` (every op passes it, the
piecewise-constant ones too, so none is skipped), (c) values, gradients and grad_fn names
against PyTorch 2.13, and (d) the same gradient, bit for bit, whether backward runs plain
or builds a graph (`create_graph=True`). A last test fails, naming the op, when an exported
op has no entry. Only public behaviour is used, so the table survives changes to the internals.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck

# Where PyTorch names a function differently from minigrad's module function.
TORCH_SPELLING = {"getitem": "__getitem__"}


def fn(lib: ModuleType, name: str) -> Callable[..., Any]:
    """`lib.<name>`; for PyTorch, the Tensor method where torch has no such function
    (`minigrad.contiguous(x)` is compared with `x.contiguous()`)."""
    found = getattr(lib, name, None)
    if found is None or inspect.ismodule(found):
        return getattr(lib.Tensor, TORCH_SPELLING.get(name, name))
    return found


def nnf(lib: ModuleType, name: str) -> Callable[..., Any]:
    """`lib.nn.functional.<name>`."""
    return getattr(lib.nn.functional, name)


@dataclass(frozen=True)
class Op:
    """An op called as `call(lib, *inputs)` on float64 inputs of the given shapes."""

    name: str
    call: Callable[..., Any]
    shapes: tuple[tuple[int, ...], ...]
    covers: tuple[str, ...]
    domain: str = "any"

    def inputs(self, lib: ModuleType) -> tuple[Any, ...]:
        """Leaves that require grad, the same values in either library (seeded by the name)."""
        rng = np.random.default_rng(sum(map(ord, self.name)))
        made = []
        for shape in self.shapes:
            values = rng.uniform(-2.0, 2.0, shape)
            if self.domain == "positive":
                values = np.abs(values) + 0.25
            elif self.domain == "nonzero":
                values = np.where(values < 0, values - 0.25, values + 0.25)
            elif self.domain == "small":
                values = values / 2
            made.append(lib.tensor(values, dtype=lib.float64, requires_grad=True))
        return tuple(made)


def op(name: str, call: Callable[..., Any], *shapes: tuple[int, ...],
       covers: tuple[str, ...] | None = None, domain: str = "any") -> Op:
    """An entry; it covers the export of its own name unless `covers` says otherwise."""
    return Op(name, call, shapes, covers or (name,), domain)


def unary(name: str, domain: str = "any") -> Op:
    """A one-input op on a 2×3 tensor."""
    return op(name, lambda lib, x: fn(lib, name)(x), (2, 3), domain=domain)


def inplace(name: str, domain: str = "any") -> Op:
    """An in-place op applied to a clone of the leaf (a leaf itself cannot be changed)."""
    return op(name, lambda lib, x: fn(lib, name)(x.clone()), (2, 3), domain=domain)


def indices(lib: ModuleType, rows: list[int]) -> Any:
    """An int64 tensor of indices (or class targets) in `lib`."""
    return lib.tensor(rows)


OPS: list[Op] = [
    # Pointwise, one input.
    *(unary(name) for name in (
        "exp", "exp2", "expm1", "sin", "cos", "sinh", "cosh", "atan", "arctan", "tanh",
        "sigmoid", "neg", "negative", "square", "sign", "sgn", "floor", "ceil", "round",
        "trunc")),
    *(unary(name, "positive") for name in ("log", "log2", "log10", "log1p", "sqrt", "rsqrt")),
    *(unary(name, "nonzero") for name in ("relu", "reciprocal", "abs", "absolute")),
    unary("tan", "small"),
    # Pointwise, two inputs (broadcast), numbers and alpha.
    *(op(name, lambda lib, a, b, n=name: fn(lib, n)(a, b), (3, 1), (4,))
      for name in ("add", "sub", "subtract", "mul", "multiply", "maximum", "minimum")),
    op("add_alpha", lambda lib, a, b: lib.add(a, b, alpha=2.5), (2, 3), (3,), covers=("add",)),
    op("add_number", lambda lib, a: lib.add(a, 2.0), (3,), covers=("add",)),
    op("sub_alpha", lambda lib, a, b: lib.sub(a, b, alpha=-1.5), (3,), (2, 3), covers=("sub",)),
    op("mul_number", lambda lib, a: lib.mul(a, 3.0), (3,), covers=("mul",)),
    op("rsub", lambda lib, a, b: lib.rsub(a, b, alpha=2.0), (2, 3), (3,)),
    op("rsub_number", lambda lib, a: lib.rsub(a, 3.0), (3,), covers=("rsub",)),
    *(op(name, lambda lib, a, b, n=name: fn(lib, n)(a, b), (2, 3), (3,), domain="nonzero")
      for name in ("div", "divide", "true_divide")),
    op("div_number", lambda lib, a: lib.div(a, 4.0), (3,), covers=("div",)),
    # Powers: tensor ** number, tensor ** tensor, number ** tensor, and x ** 0.
    op("pow_number", lambda lib, a: lib.pow(a, 3), (2, 3), covers=("pow",)),
    op("pow_half", lambda lib, a: lib.pow(a, 0.5), (2, 3), domain="positive", covers=("pow",)),
    op("pow_zero", lambda lib, a: lib.pow(a, 0), (3,), covers=("pow",)),
    op("pow_tensor", lambda lib, a, b: lib.pow(a, b), (2, 3), (3,), domain="positive",
       covers=("pow",)),
    op("number_pow", lambda lib, a: lib.pow(2.0, a), (3,), covers=("pow",)),
    # Selection and clamping.
    op("where", lambda lib, a, b: lib.where(a > 0, a, b), (2, 3), (3,)),
    op("where_number", lambda lib, a: lib.where(a > 0, 0.5, a), (2, 3), covers=("where",)),
    op("masked_fill", lambda lib, a: lib.masked_fill(a, a > 0, 2.0), (2, 3)),
    op("masked_fill_tensor", lambda lib, a, v: lib.masked_fill(a, a > 0, v), (2, 3), (),
       covers=("masked_fill",)),
    *(op(name, lambda lib, a, n=name: fn(lib, n)(a, -0.5, 0.5), (2, 3))
      for name in ("clamp", "clip")),
    op("clamp_tensors", lambda lib, a, low, high: lib.clamp(a, low, high), (2, 3), (3,), (2, 1),
       covers=("clamp",)),
    op("clamp_min", lambda lib, a: lib.clamp_min(a, 0.1), (2, 3)),
    op("clamp_max", lambda lib, a: lib.clamp_max(a, 0.1), (2, 3)),
    # Reductions, with and without dims.
    op("sum", lambda lib, a: lib.sum(a), (2, 3)),
    op("sum_dim", lambda lib, a: lib.sum(a, 1), (2, 3), covers=("sum",)),
    op("sum_dims_keepdim", lambda lib, a: lib.sum(a, (0, 2), keepdim=True), (2, 3, 2),
       covers=("sum",)),
    op("mean", lambda lib, a: lib.mean(a), (2, 3)),
    op("mean_dim_keepdim", lambda lib, a: lib.mean(a, -1, keepdim=True), (2, 3),
       covers=("mean",)),
    op("norm", lambda lib, a: lib.norm(a), (2, 3)),
    op("norm_dim", lambda lib, a: lib.norm(a, dim=1), (2, 3), covers=("norm",)),
    op("norm_p1", lambda lib, a: lib.norm(a, p=1), (2, 3), domain="nonzero", covers=("norm",)),
    op("norm_p3_dim", lambda lib, a: lib.norm(a, p=3, dim=0), (2, 3), domain="nonzero",
       covers=("norm",)),
    op("norm_inf", lambda lib, a: lib.norm(a, p=float("inf")), (2, 3), covers=("norm",)),
    # Extrema.
    op("max", lambda lib, a: lib.max(a), (2, 3)),
    op("max_dim", lambda lib, a: lib.max(a, 1), (2, 3), covers=("max",)),
    op("max_binary", lambda lib, a, b: lib.max(a, b), (2, 3), (3,), covers=("max",)),
    op("min", lambda lib, a: lib.min(a), (2, 3)),
    op("min_dim_keepdim", lambda lib, a: lib.min(a, 0, keepdim=True), (2, 3), covers=("min",)),
    op("min_binary", lambda lib, a, b: lib.min(a, b), (2, 3), (3,), covers=("min",)),
    op("amax", lambda lib, a: lib.amax(a, 1), (2, 3)),
    op("amin", lambda lib, a: lib.amin(a, (0, 1)), (2, 3, 2)),
    # Softmax.
    op("softmax", lambda lib, a: lib.softmax(a, 1), (2, 3)),
    op("log_softmax", lambda lib, a: lib.log_softmax(a, 0), (2, 3)),
    # Matrix products.
    op("dot", lambda lib, a, b: lib.dot(a, b), (3,), (3,)),
    op("mv", lambda lib, a, b: lib.mv(a, b), (2, 3), (3,)),
    op("mm", lambda lib, a, b: lib.mm(a, b), (2, 3), (3, 2)),
    op("bmm", lambda lib, a, b: lib.bmm(a, b), (2, 2, 3), (2, 3, 2)),
    op("outer", lambda lib, a, b: lib.outer(a, b), (2,), (3,)),
    op("addmm", lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2.0), (2,), (3, 4),
       (4, 2)),
    op("matmul", lambda lib, a, b: lib.matmul(a, b), (2, 3), (3, 2)),
    op("matmul_vectors", lambda lib, a, b: lib.matmul(a, b), (3,), (3,), covers=("matmul",)),
    op("matmul_vector_matrix", lambda lib, a, b: lib.matmul(a, b), (3,), (3, 2),
       covers=("matmul",)),
    op("matmul_batch_broadcast", lambda lib, a, b: lib.matmul(a, b), (2, 1, 2, 3), (2, 3, 2),
       covers=("matmul",)),
    op("matmul_vector_batch", lambda lib, a, b: lib.matmul(a, b), (3,), (2, 3, 2),
       covers=("matmul",)),
    # Shapes and views.
    op("view", lambda lib, a: fn(lib, "view")(a, 3, 2), (2, 3)),
    op("view_as", lambda lib, a, b: fn(lib, "view_as")(a, b), (2, 3), (3, 2)),
    op("reshape", lambda lib, a: lib.reshape(a, (3, 2)), (2, 3)),
    op("reshape_copy", lambda lib, a: lib.reshape(a.t(), (-1,)), (2, 3), covers=("reshape",)),
    op("flatten", lambda lib, a: lib.flatten(a, 1), (2, 3, 2)),
    op("unflatten", lambda lib, a: lib.unflatten(a, 1, (3, 2)), (2, 6)),
    op("transpose", lambda lib, a: lib.transpose(a, 0, 2), (2, 3, 2)),
    op("swapaxes", lambda lib, a: lib.swapaxes(a, 0, 1), (2, 3)),
    op("swapdims", lambda lib, a: lib.swapdims(a, 0, 1), (2, 3)),
    op("t", lambda lib, a: lib.t(a), (2, 3)),
    op("t_vector", lambda lib, a: lib.t(a), (3,), covers=("t",)),
    op("permute", lambda lib, a: lib.permute(a, (2, 0, 1)), (2, 3, 2)),
    op("movedim", lambda lib, a: lib.movedim(a, 0, 2), (2, 3, 2)),
    op("squeeze", lambda lib, a: lib.squeeze(a), (2, 1, 3)),
    op("squeeze_dim", lambda lib, a: lib.squeeze(a, 1), (2, 1, 3), covers=("squeeze",)),
    op("squeeze_dims", lambda lib, a: lib.squeeze(a, (0, 1)), (1, 1, 3), covers=("squeeze",)),
    op("unsqueeze", lambda lib, a: lib.unsqueeze(a, 1), (2, 3)),
    op("expand", lambda lib, a: fn(lib, "expand")(a, 2, 3, 3), (3, 1)),
    op("expand_as", lambda lib, a, b: fn(lib, "expand_as")(a, b), (3, 1), (2, 3, 3)),
    op("sum_to_size", lambda lib, a: fn(lib, "sum_to_size")(a, 3, 1), (2, 3, 3)),
    op("repeat", lambda lib, a: fn(lib, "repeat")(a, 2, 1, 2), (3, 1)),
    op("narrow", lambda lib, a: lib.narrow(a, 1, 1, 2), (2, 4)),
    op("select", lambda lib, a: lib.select(a, 0, 1), (3, 2)),
    op("clone", lambda lib, a: lib.clone(a), (2, 3)),
    op("contiguous", lambda lib, a: fn(lib, "contiguous")(a.t()), (2, 3)),
    op("to", lambda lib, a: fn(lib, "to")(a, lib.float64, copy=True), (2, 3)),
    # Indexing.
    op("getitem_int", lambda lib, a: fn(lib, "getitem")(a, 1), (3, 2), covers=("getitem",)),
    op("getitem_slice", lambda lib, a: fn(lib, "getitem")(a, (slice(None), slice(1, 3))),
       (2, 4), covers=("getitem",)),
    op("getitem_none", lambda lib, a: fn(lib, "getitem")(a, (None, 0)), (2, 3),
       covers=("getitem",)),
    op("getitem_rows", lambda lib, a: fn(lib, "getitem")(a, indices(lib, [0, 2, 2])), (3, 2),
       covers=("getitem",)),
    op("getitem_columns", lambda lib, a: fn(lib, "getitem")(a, (slice(None), [0, 2])), (2, 3),
       covers=("getitem",)),
    op("getitem_mask", lambda lib, a: fn(lib, "getitem")(a, a > 0), (2, 3), covers=("getitem",)),
    # Joining and splitting.
    *(op(name, lambda lib, a, b, n=name: fn(lib, n)([a, b], 1), (2, 1), (2, 3))
      for name in ("cat", "concat", "concatenate")),
    op("stack", lambda lib, a, b: lib.stack([a, b], 1), (2, 3), (2, 3)),
    op("split", lambda lib, a: lib.split(a, [1, 2], 1), (2, 3)),
    op("split_size", lambda lib, a: lib.split(a, 2), (5, 2), covers=("split",)),
    op("chunk", lambda lib, a: lib.chunk(a, 2, 0), (5, 2)),
    op("unbind", lambda lib, a: lib.unbind(a, 1), (2, 3)),
    # In place, on a clone of the leaf.
    *(inplace(name) for name in ("sin_", "cos_", "exp_", "sigmoid_", "tanh_")),
    inplace("relu_", "nonzero"),
    op("fill_", lambda lib, a: fn(lib, "fill_")(a.clone(), 2.0), (2, 3)),
    op("zero_", lambda lib, a: fn(lib, "zero_")(a.clone()), (2, 3)),
    op("copy_", lambda lib, a, b: fn(lib, "copy_")(a.clone(), b), (2, 3), (3,)),
    # nn.functional: activations, layers and losses.
    *(op(f"nn.functional.{name}", lambda lib, a, n=name: nnf(lib, n)(a), (2, 3),
         domain="nonzero") for name in ("relu", "sigmoid", "tanh")),
    op("nn.functional.softmax", lambda lib, a: nnf(lib, "softmax")(a, dim=1), (2, 3)),
    op("nn.functional.log_softmax", lambda lib, a: nnf(lib, "log_softmax")(a, dim=0), (2, 3)),
    op("nn.functional.linear", lambda lib, x, w, b: nnf(lib, "linear")(x, w, b),
       (3, 4), (2, 4), (2,)),
    op("nn.functional.linear_vector", lambda lib, x, w: nnf(lib, "linear")(x, w), (4,), (2, 4),
       covers=("nn.functional.linear",)),
    op("nn.functional.linear_batch", lambda lib, x, w, b: nnf(lib, "linear")(x, w, b),
       (2, 3, 4), (2, 4), (2,), covers=("nn.functional.linear",)),
    # PyTorch's other paths: one flattened addmm for a vector, matmul then add otherwise.
    op("nn.functional.linear_vector_bias", lambda lib, x, w, b: nnf(lib, "linear")(x, w, b),
       (4,), (2, 4), (2,), covers=("nn.functional.linear",)),
    op("nn.functional.linear_batch_transposed",
       lambda lib, x, w, b: nnf(lib, "linear")(x.transpose(0, 1), w, b), (3, 2, 4), (2, 4), (2,),
       covers=("nn.functional.linear",)),
    op("nn.functional.linear_batch_bias_2d", lambda lib, x, w, b: nnf(lib, "linear")(x, w, b),
       (2, 3, 4), (2, 4), (3, 2), covers=("nn.functional.linear",)),
    *(op(f"nn.functional.mse_loss_{reduction}",
         lambda lib, a, b, r=reduction: nnf(lib, "mse_loss")(a, b, reduction=r), (2, 3), (2, 3),
         covers=("nn.functional.mse_loss",)) for reduction in ("mean", "sum", "none")),
    *(op(f"nn.functional.nll_loss_{reduction}",
         lambda lib, a, r=reduction: nnf(lib, "nll_loss")(a, indices(lib, [0, 2, 1]), reduction=r),
         (3, 4), covers=("nn.functional.nll_loss",)) for reduction in ("mean", "sum", "none")),
    op("nn.functional.nll_loss_weight", lambda lib, a: nnf(lib, "nll_loss")(
        a, indices(lib, [0, 2, 1]), weight=lib.tensor([1.0, 2.0, 0.5, 1.5], dtype=lib.float64)),
       (3, 4), covers=("nn.functional.nll_loss",)),
    *(op(f"nn.functional.cross_entropy_{reduction}",
         lambda lib, a, r=reduction: nnf(lib, "cross_entropy")(
             a, indices(lib, [3, 0]), reduction=r),
         (2, 4), covers=("nn.functional.cross_entropy",)) for reduction in ("mean", "sum", "none")),
]
OP_IDS = [entry.name for entry in OPS]

# Real bugs these checks found, left for their owners: (entry, check) -> what is wrong.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def checked(check: str) -> list[Any]:
    """The table as parameters of one check, a known bug marked as a strict xfail."""
    return [pytest.param(entry, marks=pytest.mark.xfail(reason=KNOWN_BUGS[entry.name, check],
                                                        strict=True))
            if (entry.name, check) in KNOWN_BUGS else entry for entry in OPS]


# Exports that are not differentiable ops, each group with why.
NOT_OPS = {
    # Factories, random numbers and dtype/device/printing settings: they make tensors, take none.
    "arange", "as_tensor", "empty", "empty_like", "eye", "from_numpy", "full", "full_like",
    "linspace", "ones", "ones_like", "rand", "rand_like", "randint", "randn", "randn_like",
    "randperm", "tensor", "zeros", "zeros_like", "Generator", "get_rng_state", "initial_seed",
    "manual_seed", "seed", "set_rng_state", "get_default_dtype", "set_default_dtype",
    "get_default_device", "set_default_device", "get_printoptions", "set_printoptions",
    "finfo", "iinfo", "device",
    # Classes: the tensor itself, its size, the dtype type.
    "Tensor", "Size", "dtype",
    # Grad-mode switches.
    "enable_grad", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled", "no_grad",
    "set_grad_enabled",
    # Comparisons, tests and bitwise/logical ops: boolean or integer results, no gradient.
    "allclose", "equal", "isclose", "isfinite", "isinf", "isnan", "eq", "ne", "not_equal", "lt",
    "less", "le", "less_equal", "gt", "greater", "ge", "greater_equal", "argmax", "argmin",
    "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "logical_and", "logical_not",
    "logical_or", "logical_xor",
    # Not PyTorch functions: a NumPy-level helper (on arrays, not tensors), and the machinery
    # under every in-place method, which the table runs through sin_, relu_, fill_ and others.
    "power_by_number", "apply_inplace",
}


def exported_ops() -> set[str]:
    """Every exported callable of `minigrad` and `minigrad.nn.functional`, less NOT_OPS
    (modules, dtypes and the default generator are not callable)."""
    found = {name for name in minigrad.__all__ if callable(getattr(minigrad, name))}
    found |= {f"nn.functional.{name}" for name in minigrad.nn.functional.__all__}
    return found - NOT_OPS


# Running an entry ---------------------------------------------------------------------------


def as_outputs(result: Any) -> tuple[Any, ...]:
    """An op's outputs as a tuple (split and max(dim) give several)."""
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def differentiable(outputs: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(out for out in outputs if out.requires_grad)


def grad_outputs_for(entry: Op, lib: ModuleType) -> tuple[Any, ...]:
    """Seeded gradients for the outputs that require grad, the same in either library."""
    rng = np.random.default_rng(1)
    outputs = differentiable(as_outputs(entry.call(lib, *entry.inputs(lib))))
    return tuple(lib.tensor(rng.standard_normal(tuple(out.shape)), dtype=lib.float64)
                 for out in outputs)


def minigrad_func(entry: Op) -> Callable[..., Any]:
    return lambda *inputs: entry.call(minigrad, *inputs)


def test_every_exported_op_has_an_entry() -> None:
    covered = {name for entry in OPS for name in entry.covers}
    assert sorted(exported_ops() - covered) == [], "exported ops missing from OPS"
    assert sorted(covered - exported_ops()) == [], "OPS covers names that are not exported"
    assert sorted(NOT_OPS - set(minigrad.__all__)) == [], "NOT_OPS names that are not exported"
    assert len(set(OP_IDS)) == len(OP_IDS)
    checks = {"gradcheck", "gradgradcheck", "pytorch_values", "pytorch_names", "plain_vs_graph",
              "vectorized_jacobian"}  # the last one in test_functional
    assert {(name, check) for name, check in KNOWN_BUGS
            if name not in OP_IDS or check not in checks} == set()


@pytest.mark.parametrize("entry", checked("gradcheck"), ids=OP_IDS)
def test_gradcheck(entry: Op) -> None:
    assert gradcheck(minigrad_func(entry), entry.inputs(minigrad))


@pytest.mark.parametrize("entry", checked("gradgradcheck"), ids=OP_IDS)
def test_gradgradcheck(entry: Op) -> None:
    assert gradgradcheck(minigrad_func(entry), entry.inputs(minigrad))


def run(entry: Op, lib: ModuleType) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The op's outputs in `lib`, and the gradients `autograd.grad` gives its inputs."""
    inputs = entry.inputs(lib)
    outputs = as_outputs(entry.call(lib, *inputs))
    grads = lib.autograd.grad(differentiable(outputs), inputs, grad_outputs_for(entry, lib),
                              allow_unused=True)
    return outputs, grads


def as_array(tensor: Any) -> np.ndarray:
    """The values, PyTorch's zero tensors (the gradient of sgn) included."""
    if isinstance(tensor, torch.Tensor):
        return tensor.detach().numpy(force=True)
    return tensor.detach().numpy()


@pytest.mark.parametrize("entry", checked("pytorch_values"), ids=OP_IDS)
def test_values_and_gradients_match_pytorch(entry: Op) -> None:
    (mini_outputs, mini_grads), (torch_outputs, torch_grads) = run(entry, minigrad), run(
        entry, torch)
    for mini, ref in zip(mini_outputs, torch_outputs, strict=True):
        assert str(mini.dtype) == str(ref.dtype) and tuple(mini.shape) == tuple(ref.shape)
        np.testing.assert_allclose(as_array(mini), as_array(ref), rtol=1e-12, atol=1e-12)
    for position, (mini, ref) in enumerate(zip(mini_grads, torch_grads, strict=True)):
        assert (mini is None) == (ref is None), f"input {position}"
        if ref is not None:
            np.testing.assert_allclose(as_array(mini), as_array(ref), rtol=1e-12, atol=1e-12,
                                       err_msg=f"input {position}")


@pytest.mark.parametrize("entry", checked("pytorch_names"), ids=OP_IDS)
def test_grad_fn_names_match_pytorch(entry: Op) -> None:
    def names(lib: ModuleType) -> list[str | None]:
        outputs = as_outputs(entry.call(lib, *entry.inputs(lib)))
        return [out.grad_fn.name() if out.grad_fn is not None else None for out in outputs]

    assert names(minigrad) == names(torch)


@pytest.mark.parametrize("entry", checked("plain_vs_graph"), ids=OP_IDS)
def test_backward_on_arrays_and_on_tensors_agree_bit_for_bit(entry: Op) -> None:
    """Plain backward and `create_graph=True` backward must send the very same gradient."""
    grads = []
    for create_graph in (False, True):
        inputs = entry.inputs(minigrad)
        outputs = differentiable(as_outputs(entry.call(minigrad, *inputs)))
        grads.append(minigrad.autograd.grad(outputs, inputs, grad_outputs_for(entry, minigrad),
                                            create_graph=create_graph, allow_unused=True))
    plain, on_tensors = grads
    for position, (a, b) in enumerate(zip(plain, on_tensors, strict=True)):
        assert (a is None) == (b is None), position
        if a is not None:
            assert a.dtype == b.dtype and a.shape == b.shape, position
            np.testing.assert_array_equal(a.numpy(), b.detach().numpy(), strict=True,
                                          err_msg=f"input {position}")
