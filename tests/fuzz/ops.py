"""The table of op specs that drives the generator: adding an op is adding one row.

A row's `template` is the statement's Python text. `{a}` is the tensor the op works on (chosen
among the program's tensors that pass `needs`); every other `{field}` is an argument drawn by
the function of that name in `tests/fuzz/generate.py` (`ARGS`), which sees the live value of
`{a}` (the generator runs each statement on PyTorch as it writes it, so shapes are exact).
`assign` says whether the statement's value gets a new name; `inplace` ops also change `{a}`.
`group` names the feature group, for `--only`/`--skip`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Op:
    """One kind of statement the generator can write."""

    name: str
    template: str
    group: str
    needs: Callable[[Any], bool] = lambda a: True
    assign: bool = True
    inplace: bool = False
    weight: float = 1.0


def _float(a: Any) -> bool:
    return a.is_floating_point()


def _ndim_at_least(n: int) -> Callable[[Any], bool]:
    return lambda a: a.ndim >= n


def _in_graph(a: Any) -> bool:
    return a.requires_grad


def _non_leaf(a: Any) -> bool:
    return a.requires_grad and not a.is_leaf


def _scalar_in_graph(a: Any) -> bool:
    return a.requires_grad and a.ndim == 0


def _hookable(a: Any) -> bool:
    # PyTorch 2.13 segfaults in register_hook on a view changed in place under no_grad
    # (`v = x.abs()[1]`, `with torch.no_grad(): v.mul_(2)`, `v.register_hook(f)`), so views
    # get no hooks.
    return a.requires_grad and not a._is_view()


def _mat(a: Any) -> bool:
    return 1 <= a.ndim <= 3


OPS: tuple[Op, ...] = (
    # Arithmetic, with broadcasting and Python scalars on either side.
    Op("add", "{a} + {other}", "pointwise", weight=3),
    Op("sub", "{a} - {other}", "pointwise", weight=2),
    Op("rsub", "{scalar} - {a}", "scalar"),
    Op("mul", "{a} * {other}", "pointwise", weight=3),
    Op("rmul", "{scalar} * {a}", "scalar"),
    Op("div", "{a} / {other}", "pointwise", weight=2),
    Op("rdiv", "{scalar} / {a}", "scalar"),
    Op("pow_scalar", "{a} ** {exponent}", "pointwise", weight=2),
    Op("pow_tensor", "{a} ** {other}", "pointwise"),
    Op("rpow", "{scalar} ** {a}", "scalar"),
    Op("neg", "-{a}", "pointwise"),
    # Unary maths.
    Op("exp", "{a}.exp()", "pointwise"),
    Op("log", "{a}.log()", "pointwise"),
    Op("sqrt", "{a}.sqrt()", "pointwise", weight=2),
    Op("sin", "torch.sin({a})", "pointwise"),
    Op("tanh", "{a}.tanh()", "pointwise"),
    Op("sigmoid", "torch.sigmoid({a})", "pointwise"),
    Op("reciprocal", "{a}.reciprocal()", "pointwise"),
    Op("square", "{a}.square()", "pointwise"),
    Op("rsqrt", "{a}.rsqrt()", "pointwise"),
    Op("sign", "{a}.sign()", "pointwise"),
    # Ops whose gradient selects or masks (where NaN/inf must not leak).
    Op("relu", "{a}.relu()", "mask", weight=2),
    Op("clamp", "{a}.clamp({clamp_args})", "mask", weight=2),
    Op("clamp_min", "torch.clamp_min({a}, {small})", "mask"),
    Op("abs", "{a}.abs()", "mask", weight=2),
    Op("maximum", "torch.maximum({a}, {other_tensor})", "mask"),
    Op("minimum", "torch.minimum({a}, {other_tensor})", "mask"),
    Op("where", "torch.where({a} > 0, {a}, {other})", "mask", weight=2),
    Op("masked_fill", "{a}.masked_fill({a} < 0, {small})", "mask"),
    # Comparisons and dtype conversions.
    Op("gt", "{a} > {other}", "compare"),
    Op("eq", "{a} == {other}", "compare"),
    Op("isnan", "{a}.isnan()", "compare"),
    Op("logical_and", "torch.logical_and({a} > 0, {a} < 2)", "compare"),
    Op("to_dtype", "{a}.to({dtype})", "convert"),
    Op("double", "{a}.double()", "convert"),
    Op("float", "{a}.float()", "convert"),
    Op("item", "{a}.item()", "convert", needs=lambda a: a.numel() == 1),
    Op("tolist", "{a}.tolist()", "convert"),
    # Reductions, with dims (also on 0-d tensors: dim 0 and -1).
    Op("sum", "{a}.sum()", "reduction", weight=2),
    Op("sum_dim", "{a}.sum({dim}, keepdim={bool})", "reduction", weight=2),
    Op("mean", "{a}.mean()", "reduction"),
    Op("mean_dim", "torch.mean({a}, {dim}, {bool})", "reduction"),
    Op("max", "{a}.max()", "reduction"),
    Op("max_dim", "{a}.max({dim}).values", "reduction"),
    Op("max_dim_indices", "{a}.max({dim}, keepdim={bool}).indices", "reduction"),
    Op("min_dim", "{a}.min(dim={dim})[0]", "reduction"),
    Op("amax", "{a}.amax({dim})", "reduction"),
    Op("argmax", "{a}.argmax()", "reduction"),
    Op("norm", "{a}.norm()", "reduction"),
    Op("norm_dim", "{a}.norm(dim={dim})", "reduction"),
    Op("softmax", "{a}.softmax({dim})", "reduction", weight=2),
    Op("log_softmax", "torch.log_softmax({a}, dim={dim})", "reduction"),
    # Views and shape changes.
    Op("reshape", "{a}.reshape({shape})", "shape", weight=2),
    Op("view", "{a}.view({shape})", "shape", weight=2),
    Op("flatten", "{a}.flatten()", "shape"),
    Op("transpose", "{a}.transpose({dim}, {dim})", "shape", weight=2),
    Op("permute", "{a}.permute({perm})", "shape"),
    Op("t", "{a}.t()", "shape", needs=lambda a: a.ndim <= 2),
    Op("T", "{a}.mT", "shape", needs=_ndim_at_least(2)),
    Op("squeeze", "{a}.squeeze()", "shape"),
    Op("squeeze_dim", "{a}.squeeze({dim})", "shape"),
    Op("unsqueeze", "{a}.unsqueeze({new_dim})", "shape"),
    Op("expand", "{a}.expand({expand_shape})", "shape"),
    Op("contiguous", "{a}.contiguous()", "shape"),
    Op("clone", "{a}.clone()", "shape"),
    Op("select", "{a}.select({dim}, {int})", "shape", needs=_ndim_at_least(1)),
    Op("narrow", "{a}.narrow({dim}, 0, 1)", "shape", needs=_ndim_at_least(1)),
    Op("unbind", "{a}.unbind({dim})[0]", "shape", needs=_ndim_at_least(1)),
    Op("chunk", "{a}.chunk(2, {dim})[-1]", "shape", needs=_ndim_at_least(1)),
    # Indexing: ints, slices, None, Ellipsis, index lists, bool masks.
    Op("index", "{a}[{index}]", "index", weight=3),
    Op("index_list", "{a}[{index_list}]", "index", needs=_ndim_at_least(1)),
    Op("index_mask", "{a}[{a} > 0]", "index"),
    Op("setitem", "{a}[{index}] = {small}", "setitem", assign=False, inplace=True,
       needs=_non_leaf),
    # Matrix products in every shape.
    Op("matmul", "{a} @ {mat}", "matmul", needs=_mat, weight=3),
    Op("matmul_fn", "torch.matmul({a}, {mat})", "matmul", needs=_mat),
    Op("mm", "{a}.mm({mat})", "matmul", needs=lambda a: a.ndim == 2),
    Op("dot", "torch.dot({a}, {same_tensor})", "matmul", needs=lambda a: a.ndim == 1),
    # Joining.
    Op("cat", "torch.cat([{a}, {cat_partner}], {cat_dim})", "join", weight=2),
    Op("stack", "torch.stack([{a}, {same_tensor}], {new_dim})", "join"),
    # In-place ops (mostly on non-leaves; sometimes a leaf, which must raise).
    Op("add_", "{a}.add_({other})", "inplace", inplace=True, weight=2),
    Op("mul_", "{a}.mul_({scalar})", "inplace", inplace=True),
    Op("sqrt_", "{a}.sqrt_()", "inplace", inplace=True),
    Op("relu_", "{a}.relu_()", "inplace", inplace=True),
    Op("clamp_", "{a}.clamp_(min={small})", "inplace", inplace=True),
    Op("exp_", "{a}.exp_()", "inplace", inplace=True),
    Op("zero_", "{a}.zero_()", "inplace", inplace=True, weight=0.3),
    # Grad modes, detach, requires_grad.
    Op("detach", "{a}.detach()", "modes"),
    Op("requires_grad_", "{a}.detach().requires_grad_()", "modes", needs=_float),
    Op("no_grad", "with torch.no_grad():\n    {out} = {a} * 2", "modes"),
    Op("no_grad_inplace", "with torch.no_grad():\n    {a}.mul_(2)", "modes", assign=False,
       inplace=True),
    # backward and autograd.grad (twice, retain_graph, create_graph, second derivative).
    Op("backward", "{a}.sum().backward()", "grad", needs=_in_graph, assign=False, weight=3),
    Op("backward_retain", "{a}.sum().backward(retain_graph=True)", "grad", needs=_in_graph,
       assign=False, weight=2),
    Op("backward_0d", "{a}.backward()", "grad", needs=_scalar_in_graph, assign=False, weight=2),
    Op("backward_gradient", "{a}.backward(torch.ones_like({a}))", "grad", needs=_in_graph,
       assign=False),
    Op("read_grad", "{leaf}.grad", "grad"),
    Op("grad", "torch.autograd.grad({a}.sum(), [{leaf}], retain_graph=True)[0]", "grad",
       needs=_in_graph),
    Op("grad_create", "torch.autograd.grad({a}.sum(), [{leaf}], create_graph=True)[0]",
       "double", needs=_in_graph, weight=3),
    Op("grad_unused", "torch.autograd.grad({a}.sum(), [{leaf}], allow_unused=True,"
       " create_graph=True)", "double", needs=_in_graph),
    # Hooks and retain_grad.
    Op("retain_grad", "{a}.retain_grad()", "hooks", needs=_non_leaf, assign=False),
    Op("hook_scale", "{a}.register_hook(lambda g: g * 2)", "hooks", needs=_hookable,
       assign=False),
    Op("hook_none", "{a}.register_hook(lambda g: None)", "hooks", needs=_hookable,
       assign=False),
    # What a learner prints.
    Op("repr", "repr({a})", "print", weight=0.5),
)

# Features that shape the data rather than pick ops (for --only/--skip too).
DATA_FEATURES = ("zerodim", "empty", "nan", "float64", "int", "scalar", "errors")

GROUPS = tuple(sorted({op.group for op in OPS} | set(DATA_FEATURES)))
