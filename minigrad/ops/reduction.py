"""Reductions (sum, mean, max, norm) and softmax: many elements in, fewer out."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import backend
from minigrad._arguments import wrap_dim, wrap_dims
from minigrad._tensor import Tensor
from minigrad.autograd import forward_ad as _fw
from minigrad.autograd.function import BackwardFunction, Function
from minigrad.autograd.graph import _TENSOR_TYPE_NAMES
from minigrad.ops import _formula
from minigrad.ops._formula import ArrayOrTensor
from minigrad.ops._util import checks_argument_types
from minigrad.ops.pointwise import MaskedFillWithTensor, maximum, minimum, where

__all__ = ["amax", "amin", "argmax", "argmin", "log_softmax", "max", "mean", "min", "norm",
           "softmax", "sum"]


def _dims(dim: Any, ndim: int) -> tuple[int, ...]:
    """The reduced dims as a sorted tuple; None or () means all of them."""
    if dim is None or dim == ():
        return tuple(range(ndim))
    return tuple(sorted(wrap_dims(dim, ndim)))


def _check_nonempty(name: str, shape: tuple[int, ...], dims: tuple[int, ...]) -> None:
    """PyTorch's error for an extremum (max, argmax, amax) over a dim of size 0: it has none."""
    for d in dims:
        if shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _expand_back(grad: Any, dims: tuple[int, ...], keepdim: bool, shape: tuple[int, ...]
                 ) -> Any:
    """Spread a reduced gradient (a tensor or an array) over the input's shape again."""
    return _formula.expand(grad if keepdim else _unsqueeze_dims(grad, dims), shape)


def _unsqueeze_dims(reduced: Any, dims: tuple[int, ...]) -> Any:
    """A reduced tensor (or array) with its reduced `dims` (sorted) back as dims of size 1."""
    for d in dims:
        reduced = _formula.unsqueeze(reduced, d)
    return reduced


def _sum_primal_dims(tangent: Tensor, dims: tuple[int, ...], ndim: int, keepdim: bool) -> Tensor:
    """Sum a tangent over the primal's `dims` (of `ndim`), counted from the end past batch dims."""
    if not dims:
        return tangent
    return tangent.sum(tuple(d - ndim for d in dims), keepdim=keepdim)


def _sum_dtype(data: np.ndarray, dtype: backend.dtype | None) -> Any:
    if dtype is not None:
        return dtype.np
    return np.int64 if data.dtype.kind in "biu" else None


def _unreduce(ctx: BackwardFunction, grad: Tensor) -> Tensor:
    """A reduction's batched grad spread back over the reduced dims (keeping the batch dim)."""
    shape = ctx._input_metadata[0][0]
    if hasattr(ctx, "dims"):
        dims = ctx.dims
    elif hasattr(ctx, "dim"):
        dims = (ctx.dim,)
    else:
        dims = tuple(range(len(shape)))
    if not getattr(ctx, "keepdim", False):
        for d in dims:
            grad = grad.unsqueeze(d + 1)
    return grad.expand(grad.shape[0], *shape)


def _spread_batched(ctx: BackwardFunction, grad: Tensor, *_: Tensor) -> Tensor:
    """A reduction's `backward_batched`: its backward is `spread(grad) * weights`, the weights
    being its backward at a grad of ones, so a batch of grads spreads and multiplies alike."""
    xp = backend.array_module(grad._data)
    ones = [None if meta is None else Tensor._wrap(xp.ones(*meta))
            for meta in ctx._output_metadata]
    weights = ctx._forward_cls.backward(ctx, *ones)
    return _unreduce(ctx, grad) * weights


class SumAll(Function, node_name="SumBackward0"):
    aten_name = "aten::sum"
    shows_forward = "result = self.sum()"
    shows_sends = ("@rule.sum_all",)
    _forward_on_arrays = True
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, dtype: backend.dtype | None = None
                ) -> np.ndarray:
        data = x._data
        ctx.shape = data.shape
        if type(data) is np.ndarray:  # NumPy's sum itself, without its Python wrapper
            return np.asarray(np.add.reduce(data, axis=None, dtype=_sum_dtype(data, dtype)))
        return backend.as_array(data.sum(dtype=_sum_dtype(data, dtype)))

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.expand(grad, ctx.shape)  # every element counted once

    backward_batched = staticmethod(_spread_batched)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        ndim = ctx.primal_inputs[0].ndim
        return _sum_primal_dims(tangent, tuple(range(ndim)), ndim, keepdim=False)


class SumDim(Function, node_name="SumBackward1"):
    aten_name = "aten::sum"
    shows_forward = "result = self.sum(dim)"
    shows_sends = ("@rule.sum_dims",)
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, dims: tuple[int, ...] = (),
                keepdim: bool = False, dtype: backend.dtype | None = None) -> np.ndarray:
        ctx.shape, ctx.dims, ctx.keepdim = x._data.shape, dims, keepdim
        return backend.as_array(x._data.sum(axis=dims, keepdims=keepdim,
                                            dtype=_sum_dtype(x._data, dtype)))

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return _expand_back(grad, ctx.dims, ctx.keepdim, ctx.shape)

    backward_batched = staticmethod(_spread_batched)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return _sum_primal_dims(tangent, ctx.dims, ctx.primal_inputs[0].ndim, ctx.keepdim)


@checks_argument_types(
    "(Tensor input, *, torch.dtype dtype = None)",
    "(Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)")
def sum(input: Tensor, dim: int | Sequence[int] | None = None, keepdim: bool = False, *,
        dtype: backend.dtype | None = None) -> Tensor:
    """Sum of all elements, or over `dim` (an int or a tuple of ints)."""
    if dim is None:
        return SumAll.apply(input, dtype=dtype)
    return SumDim.apply(input, dims=_dims(dim, input.ndim), keepdim=keepdim, dtype=dtype)


def dtype_title(dtype: np.dtype) -> str:
    """A dtype as PyTorch's messages name it: Float, Double, Long, Bool."""
    return _TENSOR_TYPE_NAMES[dtype.name].removesuffix("Tensor")


def _mean_check(input: Tensor, dtype: backend.dtype | None) -> None:
    if dtype is not None and not dtype.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Optional dtype must be either a floating "
            f"point or complex dtype. Got: {dtype_title(dtype.np)}"
        )
    if input._data.dtype.kind != "f" and dtype is None:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {dtype_title(input._data.dtype)}"
        )


def _mean(data: np.ndarray, dims: tuple[int, ...] | None, keepdim: bool,
          dtype: backend.dtype | None) -> np.ndarray:
    """NumPy's mean; over no elements it is NaN, quietly, as in PyTorch."""
    np_dtype = None if dtype is None else dtype.np
    if data.size:
        return data.mean(axis=dims, keepdims=keepdim, dtype=np_dtype)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # "Mean of empty slice"
        return data.mean(axis=dims, keepdims=keepdim, dtype=np_dtype)


class MeanAll(Function, node_name="MeanBackward0"):
    aten_name = "aten::mean"
    shows_forward = "result = self.mean()"
    shows_sends = ("@rule.mean_all",)
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, dtype: backend.dtype | None = None
                ) -> np.ndarray:
        ctx.shape, ctx.count = x._data.shape, x._data.size
        return backend.as_array(_mean(x._data, None, False, dtype))

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.div_scalar(_formula.expand(grad, ctx.shape), ctx.count)

    backward_batched = staticmethod(_spread_batched)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        ndim = ctx.primal_inputs[0].ndim
        return _sum_primal_dims(tangent, tuple(range(ndim)), ndim, keepdim=False) / ctx.count


class MeanDim(Function, node_name="MeanBackward1"):
    aten_name = "aten::mean"
    shows_forward = "result = self.mean(dim)"
    shows_sends = ("@rule.mean_dims",)
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, dims: tuple[int, ...] = (),
                keepdim: bool = False, dtype: backend.dtype | None = None) -> np.ndarray:
        ctx.shape, ctx.dims, ctx.keepdim = x._data.shape, dims, keepdim
        ctx.count = int(np.prod([x._data.shape[d] for d in dims]))
        return backend.as_array(_mean(x._data, dims, keepdim, dtype))

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.div_scalar(_expand_back(grad, ctx.dims, ctx.keepdim, ctx.shape), ctx.count)

    backward_batched = staticmethod(_spread_batched)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        summed = _sum_primal_dims(tangent, ctx.dims, ctx.primal_inputs[0].ndim, ctx.keepdim)
        return summed / ctx.count


@checks_argument_types(
    "(Tensor input, *, torch.dtype dtype = None)",
    "(Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)")
def mean(input: Tensor, dim: int | Sequence[int] | None = None, keepdim: bool = False,
         *, dtype: backend.dtype | None = None) -> Tensor:
    """Mean of all elements, or over `dim`."""
    _mean_check(input, dtype)
    if dim is None:
        return MeanAll.apply(input, dtype=dtype)
    return MeanDim.apply(input, dims=_dims(dim, input.ndim), keepdim=keepdim, dtype=dtype)


class _Extremum(Function):
    """max/min over all elements: ties share the gradient evenly, as in PyTorch."""

    saved_names = ("self", "result")
    reduce = staticmethod(np.max)

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor) -> np.ndarray:
        if x._data.size == 0:
            name = ctx._forward_cls.reduce.__name__
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        result = backend.as_array(ctx._forward_cls.reduce(x._data))
        ctx.save_for_backward(x, result)
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        x, result = ctx.saved_tensors
        # PyTorch's evenly_distribute_backward: a NaN result is shared by the NaN elements, and
        # the share is filled in, not multiplied by a mask (an inf gradient stays off the rest).
        hits = x.isnan() if bool(result.isnan()._data) else x == result
        return MaskedFillWithTensor.apply(_formula.zeros(x._data.shape, grad), grad / hits.sum(),
                                          mask=hits)

    backward_batched = staticmethod(_spread_batched)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        x, result = ctx.primal_inputs[0], ctx.primal_outputs[0]
        hits = (x == result).to(tangent.dtype)
        summed = _sum_primal_dims(tangent * hits, tuple(range(x.ndim)), x.ndim, keepdim=False)
        return summed / hits.sum()


class MaxAll(_Extremum, node_name="MaxBackward1"):
    aten_name = "aten::max"
    reduce = staticmethod(np.max)


class MinAll(_Extremum, node_name="MinBackward1"):
    aten_name = "aten::min"
    reduce = staticmethod(np.min)


class _ExtremumDim(Function):
    """max/min along a dim, with indices: the gradient goes to the chosen element."""

    saved_names = ("indices",)
    pick = staticmethod(np.argmax)

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, dim: int = 0, keepdim: bool = False
                ) -> tuple[np.ndarray, np.ndarray]:
        data = x._data
        if data.ndim == 0:  # a 0-d tensor is its own extremum, at index 0
            values, indices = data.copy(), backend.array_module(data).zeros((), np.int64)
        else:
            indices = np.expand_dims(ctx._forward_cls.pick(data, axis=dim), dim)
            values = np.take_along_axis(data, indices, axis=dim)
            if not keepdim:
                values, indices = values.squeeze(dim), indices.squeeze(dim)
            indices = indices.astype(np.int64)
        ctx.shape, ctx.dim, ctx.keepdim = data.shape, dim, keepdim
        ctx.save_for_backward(indices)
        return values, indices

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor, _indices_grad: Tensor) -> Tensor:
        (indices,) = ctx.saved_tensors
        return _scatter_chosen(ctx, grad, indices._data)

    backward_batched = staticmethod(_spread_batched)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> tuple[Tensor, None]:
        if not ctx.shape:
            return tangent, None
        chosen = Tensor._wrap(_chosen_mask(ctx, ctx.primal_outputs[1]._data))
        picked = where(chosen, tangent, 0.0)
        return _sum_primal_dims(picked, (ctx.dim,), len(ctx.shape), ctx.keepdim), None


def _chosen_mask(ctx: BackwardFunction, indices: Any) -> Any:
    """True at the element that max/min along `dim` picked, over the input's shape."""
    shape, dim = ctx.shape, ctx.dim
    if not ctx.keepdim:
        indices = np.expand_dims(indices, dim)
    positions = backend.array_module(indices).arange(shape[dim]).reshape(
        [-1 if d == dim else 1 for d in range(len(shape))])
    return positions == indices


def _scatter_chosen(ctx: BackwardFunction, grad: Tensor, indices: Any) -> Tensor:
    """The gradient at the picked elements and 0 elsewhere: PyTorch's
    value_selecting_reduction_backward, a scatter into zeros (so inf or NaN stays put)."""
    zeros = _formula.zeros(ctx.shape, grad)
    if ctx.shape and not ctx.keepdim:
        indices = np.expand_dims(indices, ctx.dim)
        grad = grad.unsqueeze(ctx.dim)
    return Scatter.apply(zeros, grad, dim=ctx.dim, index=indices)


def _index_for(index: Any, data: Any) -> Any:
    """`index` spread over the leading batch dims `data` may have (a vectorized tangent)."""
    lead = data.ndim - index.ndim
    if lead <= 0:
        return index
    return np.broadcast_to(index.reshape((1,) * lead + index.shape),
                           data.shape[:lead] + index.shape)


class Scatter(Function, node_name="ScatterBackward0"):
    """`self` with `src`'s values written at `index` along `dim` (PyTorch's `scatter`)."""

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, src: Tensor, dim: int = 0,
                index: Any = None) -> np.ndarray:
        ctx.dim, ctx.index = dim, index
        result = x._data.copy()
        if result.ndim == 0:  # a 0-d tensor's one element is at index 0
            return src._data.astype(result.dtype, copy=True)
        np.put_along_axis(result, _index_for(index, result), src._data, axis=dim)
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        if grad.ndim == 0:
            return _formula.zeros_like(grad), grad
        overwritten = Scatter.apply(grad, _formula.zeros(ctx.index.shape, grad), dim=ctx.dim,
                                    index=ctx.index)
        return overwritten, Gather.apply(grad, dim=ctx.dim, index=ctx.index)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_x: Tensor | None, tangent_src: Tensor | None
            ) -> Tensor | None:
        return _write_tangents(ctx, Scatter, tangent_x, tangent_src)


class Gather(Function, node_name="GatherBackward0"):
    """The values of `x` at `index` along `dim` (PyTorch's `gather`, scatter's backward)."""

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, dim: int = 0, index: Any = None
                ) -> np.ndarray:
        ctx.dim, ctx.index, ctx.shape = dim, index, x._data.shape
        return np.take_along_axis(x._data, _index_for(index, x._data), axis=dim)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        return ScatterAdd.apply(_formula.zeros(ctx.shape, grad), grad, dim=ctx.dim, index=ctx.index)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return Gather.apply(tangent, dim=ctx.dim - ctx.primal_inputs[0].ndim, index=ctx.index)


class ScatterAdd(Function, node_name="ScatterAddBackward0"):
    """`self` with `src` added at `index` along `dim` (PyTorch's `scatter_add`, gather's
    backward)."""

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, src: Tensor, dim: int = 0,
                index: Any = None) -> np.ndarray:
        ctx.dim, ctx.index = dim, index
        result = x._data.copy()
        index = _index_for(index, result)
        positions = list(np.indices(index.shape, sparse=True))
        positions[dim] = index
        np.add.at(result, tuple(positions), src._data)
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        return grad, Gather.apply(grad, dim=ctx.dim, index=ctx.index)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_x: Tensor | None, tangent_src: Tensor | None
            ) -> Tensor | None:
        return _write_tangents(ctx, ScatterAdd, tangent_x, tangent_src)


def _write_tangents(ctx: BackwardFunction, op: type[Function], tangent_x: Tensor | None,
                    tangent_src: Tensor | None) -> Tensor:
    """Forward mode through scatter and scatter_add: the same write, of the tangents (zeros
    for an input without one), along the dim counted from the end past any batch dims."""
    x, src = ctx.primal_inputs
    tangent_x = tangent_x if tangent_x is not None else x.detach() * 0
    tangent_src = tangent_src if tangent_src is not None else src.detach() * 0
    return op.apply(tangent_x, tangent_src, dim=ctx.dim - x.ndim, index=ctx.index)


class MaxDim(_ExtremumDim, node_name="MaxBackward0"):
    aten_name = "aten::max"
    pick = staticmethod(np.argmax)


class MinDim(_ExtremumDim, node_name="MinBackward0"):
    aten_name = "aten::min"
    pick = staticmethod(np.argmin)


class _ReturnType(tuple):
    """A (values, indices) pair printed like PyTorch's `torch.return_types.max`."""

    _name = "max"

    def __new__(cls, values: Tensor, indices: Tensor) -> _ReturnType:
        return super().__new__(cls, (values, indices))

    @property
    def values(self) -> Tensor:
        return self[0]

    @property
    def indices(self) -> Tensor:
        return self[1]

    def __repr__(self) -> str:
        return f"torch.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


class _MaxReturn(_ReturnType):
    _name = "max"


class _MinReturn(_ReturnType):
    _name = "min"


def _extremum(input: Tensor, dim: Any, keepdim: bool, other: Any, is_max: bool) -> Any:
    if isinstance(dim, Tensor):
        other, dim = dim, None
    if other is not None:
        return maximum(input, other) if is_max else minimum(input, other)
    if dim is None:
        return (MaxAll if is_max else MinAll).apply(input)
    dim = wrap_dim(dim, input.ndim)
    if input._data.ndim:
        _check_nonempty("max" if is_max else "min", input._data.shape, (dim,))
    values, indices = (MaxDim if is_max else MinDim).apply(input, dim=dim, keepdim=keepdim)
    return (_MaxReturn if is_max else _MinReturn)(values, indices)


@checks_argument_types("(Tensor input)", "(Tensor input, Tensor other)",
                       "(Tensor input, int dim, bool keepdim = False)")
def max(input: Tensor, dim: Tensor | int | None = None, keepdim: bool = False, *,
        other: Tensor | None = None) -> Any:
    """Largest element; along `dim`, (values, indices); with a tensor, the elementwise maximum."""
    return _extremum(input, dim, keepdim, other, is_max=True)


@checks_argument_types("(Tensor input)", "(Tensor input, Tensor other)",
                       "(Tensor input, int dim, bool keepdim = False)")
def min(input: Tensor, dim: Tensor | int | None = None, keepdim: bool = False, *,
        other: Tensor | None = None) -> Any:
    """Smallest element; along `dim`, (values, indices); with a tensor, the elementwise minimum."""
    return _extremum(input, dim, keepdim, other, is_max=False)


class _ExtremumAlong(Function):
    """amax/amin over dims: ties along the reduced dims share the gradient evenly."""

    saved_names = ("self", "result")
    reduce = staticmethod(np.max)

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, dims: tuple[int, ...] = (),
                keepdim: bool = False) -> np.ndarray:
        result = backend.as_array(ctx._forward_cls.reduce(x._data, axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, result)
        ctx.dims, ctx.keepdim = dims, keepdim
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        # PyTorch's scale_grad_by_count: (grad / ties) * mask, with the reduced dims restored
        # by a reshape (ViewBackward0).
        x, result = ctx.saved_tensors
        kept_shape = tuple(1 if d in ctx.dims else n for d, n in enumerate(x._data.shape))
        if not ctx.keepdim:
            grad, result = grad.reshape(kept_shape), result.reshape(kept_shape)
        hits = x == result
        return (grad / hits.sum(ctx.dims, keepdim=True)) * hits

    backward_batched = staticmethod(_spread_batched)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        x, result = ctx.primal_inputs[0], ctx.primal_outputs[0]
        hits = (x == _expand_back(result, ctx.dims, ctx.keepdim, x.shape)).to(tangent.dtype)
        summed = _sum_primal_dims(tangent * hits, ctx.dims, x.ndim, ctx.keepdim)
        return summed / hits.sum(ctx.dims, keepdim=ctx.keepdim)


class Amax(_ExtremumAlong, node_name="AmaxBackward0"):
    aten_name = "aten::amax"
    reduce = staticmethod(np.max)


class Amin(_ExtremumAlong, node_name="AminBackward0"):
    aten_name = "aten::amin"
    reduce = staticmethod(np.min)


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The largest element over `dim` (all dims by default); ties share the gradient."""
    return Amax.apply(input, dims=_extremum_dims("amax", input, dim), keepdim=keepdim)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The smallest element over `dim` (all dims by default); ties share the gradient."""
    return Amin.apply(input, dims=_extremum_dims("amin", input, dim), keepdim=keepdim)


def _extremum_dims(name: str, input: Tensor, dim: Any) -> tuple[int, ...]:
    """The dims of amax/amin, checked to be non-empty as PyTorch checks them."""
    dims = _dims(dim, input.ndim)
    if input._data.size == 0 and (dim is None or dim == ()):
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument."
        )
    given = (dim,) if isinstance(dim, int) else tuple(dim)
    for asked, wrapped in zip(given, wrap_dims(given, input.ndim)):
        if input._data.shape[wrapped] == 0:  # named as it was asked for, as PyTorch does
            raise IndexError(f"{name}(): Expected reduction dim {asked} to have non-zero size.")
    return dims


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the largest element (in the flattened tensor, or along `dim`)."""
    return _arg_extremum("argmax", np.argmax, input, dim, keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the smallest element (in the flattened tensor, or along `dim`)."""
    return _arg_extremum("argmin", np.argmin, input, dim, keepdim)


def _arg_extremum(name: str, pick: Any, input: Tensor, dim: int | None, keepdim: bool
                  ) -> Tensor:
    data = input._data
    if data.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if data.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        return Tensor._wrap(backend.as_array(pick(data), np.int64))
    dim = wrap_dim(dim, data.ndim)
    if data.ndim == 0:  # a 0-d tensor's one element is at index 0
        return Tensor._wrap(backend.array_module(data).zeros((), np.int64))
    _check_nonempty(name, data.shape, (dim,))
    return Tensor._wrap(pick(data, axis=dim, keepdims=keepdim).astype(np.int64))


class VectorNorm(Function, node_name="LinalgVectorNormBackward0"):
    """The p-norm (sum |x|^p)^(1/p) over dims; the 2-norm by default."""

    aten_name = "aten::linalg_vector_norm"

    saved_names = ("self", "result")

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, ord: float = 2,
                dims: tuple[int, ...] = (), keepdim: bool = False,
                named_dims: tuple[int, ...] = ()) -> np.ndarray:
        data = np.abs(x._data)
        if ord == np.inf:
            result = data.max(axis=dims, keepdims=keepdim)
        elif ord == 2:
            result = np.sqrt((data * data).sum(axis=dims, keepdims=keepdim))
        elif ord == 1:
            result = data.sum(axis=dims, keepdims=keepdim)
        else:
            result = (data ** ord).sum(axis=dims, keepdims=keepdim) ** (1.0 / ord)
        result = backend.as_array(result, x._data.dtype)
        ctx.save_for_backward(x, result)
        ctx.ord, ctx.dims, ctx.keepdim, ctx.named_dims = ord, dims, keepdim, named_dims
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        # PyTorch's norm_backward, step for step: d‖x‖/dx = x |x|^(p-2) / ‖x‖^(p-1), and 0
        # where the norm is 0.
        x, norm = ctx.saved_tensors
        if not ctx.keepdim and x.ndim:  # dims the caller named come back (all: broadcast)
            grad, norm = (_unsqueeze_dims(t, ctx.named_dims) for t in (grad, norm))
        p = ctx.ord
        if p == 1:
            return x.sgn() * grad
        if p == 2:
            return grad * (x / norm).masked_fill(norm == 0, 0.0)
        if p == np.inf:
            magnitude = x.abs()
            hits = (magnitude == norm) | magnitude.isnan()
            return x.sgn() * ((grad / hits.sum(ctx.dims, keepdim=True)) * hits)
        if p < 1:
            scaled = x.sgn() * (x.abs() ** (p - 1)).masked_fill(x == 0, 0.0)
            return scaled * grad * norm ** (1 - p)
        scaled = x.sgn() * x.abs() ** (p - 1) if p < 2 else x * x.abs() ** (p - 2)
        return scaled * (grad / norm ** (p - 1)).masked_fill(norm == 0, 0.0)

    backward_batched = staticmethod(_spread_batched)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        x, result = ctx.primal_inputs[0], ctx.primal_outputs[0]
        norm = _expand_back(result, ctx.dims, ctx.keepdim, x.shape)
        p = ctx.ord
        if p == 1:
            slope = x.sign()
        elif p == np.inf:
            hits = (x.abs() == norm).to(x.dtype)
            slope = x.sign() * hits / hits.sum(ctx.dims, keepdim=True)
        else:
            # d‖x‖/dx = x |x|^(p-2) / ‖x‖^(p-1), and 0 where the norm is 0.
            safe_norm = norm.masked_fill(norm == 0, 1.0)
            slope = x / safe_norm if p == 2 else x * x.abs() ** (p - 2) / safe_norm ** (p - 1)
            slope = slope.masked_fill(norm == 0, 0.0)
        return _sum_primal_dims(tangent * slope, ctx.dims, x.ndim, ctx.keepdim)


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,
         dtype: backend.dtype | None = None) -> Tensor:
    """The vector p-norm of all elements or over `dim` ('fro' is the 2-norm)."""
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{dtype_title(input._data.dtype)}"
        )
    order = 2 if p in ("fro", None) else float(p)
    dims = _dims(dim, input.ndim)
    return VectorNorm.apply(input, ord=order, dims=dims, keepdim=keepdim,
                            named_dims=() if dim is None else dims)


def _softmax_axes(ctx: BackwardFunction) -> tuple[int, ...]:
    """The axis of a softmax node's dim: none for a 0-d tensor (see `wrap_dims`)."""
    return wrap_dims(ctx.dim, ctx._ndim)


def _shifted(data: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """`data` minus its max along `axes`, so exp cannot overflow (an empty tensor has no max)."""
    if data.size == 0:
        return data
    return data - data.max(axis=axes, keepdims=True)


class Softmax(Function, node_name="SoftmaxBackward0"):
    aten_name = "aten::softmax"
    shows_forward = "result = softmax(self, dim)"
    shows_sends = ("result * (grad - (grad * result).sum(dim))",)
    saved_names = ("result",)
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, dim: int = -1) -> np.ndarray:
        ctx.dim, ctx._ndim = dim, x._data.ndim
        shifted = np.exp(_shifted(x._data, _softmax_axes(ctx)))
        result = shifted / shifted.sum(axis=_softmax_axes(ctx), keepdims=True)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        (y,) = ctx.saved_tensors
        return softmax_backward_data(grad, y, ctx.dim)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        """y · (grad - Σ grad · y) for each row of the batch."""
        (y,) = ctx.saved_tensors
        return y * (grad - (grad * y).sum(ctx.dim + 1, keepdim=True))

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        y = ctx.primal_outputs[0]
        axes = tuple(a - y.ndim for a in _softmax_axes(ctx))
        return y * (tangent - (tangent * y).sum(axes, keepdim=True))


class SoftmaxBackwardData(Function, node_name="SoftmaxBackwardDataBackward0"):
    """PyTorch's `_softmax_backward_data`: softmax's backward as an op of its own.

    Softmax's backward calls it, so a double backward meets one node, as in PyTorch.
    """

    saved_names = ("grad_output", "output")

    @staticmethod
    def forward(ctx: BackwardFunction, grad_output: Tensor, output: Tensor, dim: int = -1
                ) -> np.ndarray:
        ctx.dim = ctx._saved_dim = dim  # as PyTorch shows it
        ctx._ndim = output._data.ndim
        ctx.save_for_backward(grad_output, output)
        return _softmax_vjp(grad_output._data, output._data, _softmax_axes(ctx))

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        g, y = ctx.saved_tensors
        axes = _softmax_axes(ctx)
        # f(g, y) = y (g - Σ g y): linear in g (the same vjp again); by y, PyTorch's
        # softmax_double_backward: G g - G Σ(g y) - g Σ(G y).
        by_y = g * grad - (y * g).sum(axes, keepdim=True) * grad - g * (y * grad).sum(
            axes, keepdim=True)
        return softmax_backward_data(grad, y, ctx.dim), by_y

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_g: Tensor | None, tangent_y: Tensor | None
            ) -> Tensor | None:
        g, y = ctx.primal_inputs
        axes = tuple(a - y.ndim for a in _softmax_axes(ctx))
        # d[y (g - Σ g y)] = y (dg - Σ dg y) + dy (g - Σ g y) - y Σ(g dy)
        by_g = None if tangent_g is None else y * (
            tangent_g - (tangent_g * y).sum(axes, keepdim=True))
        by_y = None if tangent_y is None else tangent_y * (
            g - (g * y).sum(axes, keepdim=True)) - y * (g * tangent_y).sum(axes, keepdim=True)
        return _fw.add_tangents(by_g, by_y)


def _softmax_vjp(grad: Any, y: Any, axes: tuple[int, ...]) -> Any:
    # Jᵀ g = y * (g - <g, y>) along the softmax dim
    return y * (grad - _formula.sum_keepdim(grad * y, axes))


def softmax_backward_data(grad: Any, output: Any, dim: int) -> Any:
    """Softmax's backward: on arrays the formula, on tensors the recorded op (create_graph)."""
    if isinstance(grad, Tensor):
        return SoftmaxBackwardData.apply(grad, output, dim=dim)
    return _softmax_vjp(grad, output, wrap_dims(dim, output.ndim))


class LogSoftmax(Function, node_name="LogSoftmaxBackward0"):
    aten_name = "aten::log_softmax"
    shows_forward = "result = log_softmax(self, dim)"
    shows_sends = ("grad - exp(result) * grad.sum(dim)",)
    saved_names = ("result",)
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, dim: int = -1) -> np.ndarray:
        ctx.dim, ctx._ndim = dim, x._data.ndim
        axes = _softmax_axes(ctx)
        shifted = _shifted(x._data, axes)
        result = shifted - np.log(np.exp(shifted).sum(axis=axes, keepdims=True))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        (y,) = ctx.saved_tensors
        return log_softmax_backward_data(grad, y, ctx.dim)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        """grad - exp(y) · Σ grad for each row of the batch."""
        (y,) = ctx.saved_tensors
        return grad - y.exp() * grad.sum(ctx.dim + 1, keepdim=True)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        y = ctx.primal_outputs[0]
        axes = tuple(a - y.ndim for a in _softmax_axes(ctx))
        return tangent - (tangent * y.exp()).sum(axes, keepdim=True)


class LogSoftmaxBackwardData(Function, node_name="LogSoftmaxBackwardDataBackward0"):
    """PyTorch's `_log_softmax_backward_data`: log_softmax's backward as an op of its own."""

    saved_names = ("grad_output", "output")

    @staticmethod
    def forward(ctx: BackwardFunction, grad_output: Tensor, output: Tensor, dim: int = -1
                ) -> np.ndarray:
        ctx.dim = ctx._saved_dim = dim  # as PyTorch shows it
        ctx._ndim = output._data.ndim
        ctx.save_for_backward(grad_output, output)
        return _log_softmax_vjp(grad_output._data, output._data, _softmax_axes(ctx))

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        g, y = ctx.saved_tensors
        axes = _softmax_axes(ctx)
        # f(g, y) = g - exp(y) Σ g: by g, G - Σ(G exp y); by y, -Σg exp(y) G.
        probabilities = y.exp()
        return (grad - (grad * probabilities).sum(axes, keepdim=True),
                -g.sum(axes, keepdim=True) * probabilities * grad)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_g: Tensor | None, tangent_y: Tensor | None
            ) -> Tensor | None:
        g, y = ctx.primal_inputs
        axes = tuple(a - y.ndim for a in _softmax_axes(ctx))
        probabilities = y.exp()
        # d[g - exp(y) Σ g] = dg - exp(y) Σ dg - exp(y) dy Σ g
        by_g = None if tangent_g is None else tangent_g - probabilities * tangent_g.sum(
            axes, keepdim=True)
        by_y = None if tangent_y is None else -probabilities * tangent_y * g.sum(
            axes, keepdim=True)
        return _fw.add_tangents(by_g, by_y)


def _log_softmax_vjp(grad: Any, y: Any, axes: tuple[int, ...]) -> Any:
    # Jᵀ g = g - softmax(x) Σ g, and softmax(x) = exp(y)
    return grad - _formula.exp(y) * _formula.sum_keepdim(grad, axes)


def log_softmax_backward_data(grad: Any, output: Any, dim: int) -> Any:
    """log_softmax's backward: on arrays the formula, on tensors the recorded op."""
    if isinstance(grad, Tensor):
        return LogSoftmaxBackwardData.apply(grad, output, dim=dim)
    return _log_softmax_vjp(grad, output, wrap_dims(dim, output.ndim))


def _softmax_input(name: str, input: Tensor, dim: int, dtype: backend.dtype | None
                   ) -> tuple[Tensor, int]:
    """The input in `dtype` and the wrapped dim; PyTorch has no integer softmax kernel."""
    if dtype is not None:
        input = input.to(dtype)
    dim = wrap_dim(dim, input.ndim)
    if input._data.dtype.kind != "f" and input._data.size:  # an empty one runs no kernel
        last = dim == input.ndim - 1 or input.ndim == 0
        kernel = "lastdim_kernel_impl" if last else "kernel_impl"
        raise NotImplementedError(f'"{name}_{kernel}" not implemented for '
                                  f"'{dtype_title(input._data.dtype)}'")
    return input, dim


@checks_argument_types()
def softmax(input: Tensor, dim: int | None = None, dtype: backend.dtype | None = None
            ) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`."""
    if dim is None:  # required, but worded as PyTorch words it
        raise TypeError('softmax() missing 1 required positional arguments: "dim"')
    input, dim = _softmax_input("softmax", input, dim, dtype)
    if input._data.dtype.kind != "f":
        return Tensor._wrap(input._data.copy())  # empty: nothing to normalize
    return Softmax.apply(input, dim=dim)


def log_softmax(input: Tensor, dim: int, dtype: backend.dtype | None = None) -> Tensor:
    """log(softmax(x)) along `dim`, computed stably."""
    input, dim = _softmax_input("log_softmax", input, dim, dtype)
    if input._data.dtype.kind != "f":
        return Tensor._wrap(input._data.copy())  # empty: nothing to normalize
    return LogSoftmax.apply(input, dim=dim)
