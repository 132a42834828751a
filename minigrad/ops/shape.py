"""Ops that move elements around: views, indexing, joining and splitting, copies."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import backend
from minigrad._argument_errors import invalid_combination
from minigrad._arguments import int_list, wrap_dim, wrap_dims
from minigrad._tensor import Tensor, _as_view
from minigrad.autograd import forward_ad as _fw
from minigrad.autograd import grad_mode
from minigrad.autograd.function import BackwardFunction, Function
from minigrad.ops import _formula
from minigrad.ops._formula import ArrayOrTensor
from minigrad.ops._util import checks_argument_types, result_dtype

__all__ = ["cat", "chunk", "clone", "concat", "concatenate", "contiguous", "expand",
           "expand_as", "flatten", "getitem", "movedim", "narrow", "permute", "repeat",
           "reshape", "select", "split", "squeeze", "stack", "sum_to_size", "t", "to",
           "transpose", "unbind", "unflatten", "unsqueeze", "view", "view_as"]


def _infer_shape(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    """Fill in one -1, with PyTorch's error when the sizes do not fit."""
    known = math.prod(s for s in shape if s != -1)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if -1 in shape and known == 0:
        raise RuntimeError(
            f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
            "unspecified dimension size -1 can be any value and is ambiguous")
    if -1 in shape and known != 0 and numel % known == 0:
        return tuple(numel // known if s == -1 else s for s in shape)
    if -1 not in shape and known == numel:
        return shape
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


class View(Function, node_name="ViewBackward0"):
    aten_name = "aten::view"
    shows_forward = "result = self.view(shape)"
    shows_sends = ("@rule.reshaped",)
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, shape: tuple[int, ...] = ()) -> np.ndarray:
        ctx.shape = x._data.shape
        try:
            return np.reshape(x._data, shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            ) from None

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return grad.reshape(ctx.shape)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        """Each row back to the input's shape."""
        return grad.reshape(grad.shape[0], *ctx.shape)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        lead = _fw.batch_dims(tangent, ctx.primal_inputs[0])
        return tangent.reshape(*tangent.shape[:lead], *ctx.primal_outputs[0].shape)


class UnsafeView(View, node_name="UnsafeViewBackward0"):
    """A view of a fresh copy (what `reshape` records when the elements must move)."""

    aten_name = "aten::unsafe_view"
    shows_forward = "result = self.reshape(shape)"
    shows_sends = ("@rule.reshaped",)


def unsafe_view(input: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Reshape a tensor that nothing else shares (a result just made), as PyTorch's matmul does."""
    return UnsafeView.apply(input, shape=_infer_shape(shape, input._data.size))


class ReshapeAlias(View, node_name="ReshapeAliasBackward0"):
    """A reshape that is a view of a tensor whose memory is not in row-major order."""

    aten_name = "aten::reshape_alias"
    shows_forward = "result = self.reshape(shape)"
    shows_sends = ("@rule.reshaped",)


class Alias(Function, node_name="AliasBackward0"):
    """The same tensor under a new name (what `x[...]` records)."""

    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor) -> np.ndarray:
        return x._data.view()

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return grad

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return tangent


_VIEW_OVERLOADS = ("(Tensor input, torch.dtype dtype)", "(Tensor input, tuple of ints size)")


def view(input: Tensor, *shape: Any) -> Tensor:
    """The same elements seen with another shape (no copy; -1 is inferred)."""
    if len(shape) == 1 and isinstance(shape[0], backend.dtype):
        raise NotImplementedError("view(dtype) is not supported by minigrad")
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
        raise TypeError(invalid_combination("view", _VIEW_OVERLOADS, (input, shape[0]), {}, 1))
    target = _infer_shape(int_list(shape, "view", "size"), input._data.size)
    return _as_view(View.apply(input, shape=target), input)


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """Like `view`, but copies when the elements cannot be seen in the new shape."""
    target = _infer_shape(int_list(shape, "reshape", "shape"), input._data.size)
    try:
        np.reshape(input._data, target, copy=False)
    except ValueError:
        # The elements must move: copy first, then view the copy, as PyTorch records it.
        return UnsafeView.apply(Clone.apply(input, by_rows=True), shape=target)
    function = View if input._data.flags.c_contiguous else ReshapeAlias
    return _as_view(function.apply(input, shape=target), input)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    return view(input, other._data.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims `start_dim` to `end_dim` into one."""
    start, end = wrap_dim(start_dim, input.ndim), wrap_dim(end_dim, input.ndim)
    if input._data.ndim == 0:
        return reshape(input, 1)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    shape = input._data.shape
    return reshape(input, (*shape[:start], -1, *shape[end + 1:]))


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    dim = wrap_dim(dim, input.ndim)
    shape = input._data.shape
    return view(input, (*shape[:dim], *sizes, *shape[dim + 1:]))


class Transpose(Function, node_name="TransposeBackward0"):
    aten_name = "aten::transpose"
    shows_forward = "result = self.transpose(dim0, dim1)"
    shows_sends = ("@rule.transposed",)
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, dim0: int = 0, dim1: int = 1) -> np.ndarray:
        ctx.dims = (dim0, dim1)
        return _swapped(x._data, dim0, dim1)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.transpose(grad, *ctx.dims) if isinstance(grad, Tensor) else _swapped(
            grad, *ctx.dims)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        """The same two dims swapped back, one further right."""
        return grad.transpose(ctx.dims[0] + 1, ctx.dims[1] + 1)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        ndim = ctx.primal_inputs[0].ndim
        return tangent.transpose(ctx.dims[0] - ndim, ctx.dims[1] - ndim)


def _swapped(array: np.ndarray, dim0: int, dim1: int) -> np.ndarray:
    """`array` with two axes swapped; a view of it as it is when they are one axis (as on 0-d)."""
    return array.view() if dim0 == dim1 else np.swapaxes(array, dim0, dim1)


@checks_argument_types()
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (a view)."""
    dim0, dim1 = wrap_dim(dim0, input.ndim), wrap_dim(dim1, input.ndim)
    return _as_view(Transpose.apply(input, dim0=dim0, dim1=dim1), input)


swapaxes = swapdims = transpose


class T(Function, node_name="TBackward0"):
    aten_name = "aten::t"
    shows_forward = "result = selfᵀ"
    shows_sends = ("gradᵀ",)
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor) -> np.ndarray:
        return x._data.T

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.matrix_t(grad)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        """Each row's matrix transposed (a vector's rows stay as they are)."""
        return grad.transpose(1, 2) if grad.ndim == 3 else grad

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return tangent.transpose(-2, -1) if ctx.primal_inputs[0].ndim == 2 else tangent


def t(input: Tensor) -> Tensor:
    """Transpose a matrix (a vector is returned as it is)."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input._data.ndim}D")
    return _as_view(T.apply(input), input)


class Permute(Function, node_name="PermuteBackward0"):
    aten_name = "aten::permute"
    shows_forward = "result = self.permute(dims)"
    shows_sends = ("@rule.permuted",)
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, dims: tuple[int, ...] = ()) -> np.ndarray:
        ctx.dims = dims
        return np.transpose(x._data, dims)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.permute(grad, tuple(np.argsort(ctx.dims).tolist()))

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        """The inverse permutation, one dim further right."""
        return grad.permute(0, *(int(d) + 1 for d in np.argsort(ctx.dims)))

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        lead = _fw.batch_dims(tangent, ctx.primal_inputs[0])
        return tangent.permute(*range(lead), *(lead + d for d in ctx.dims))


def permute(input: Tensor, *dims: Any) -> Tensor:
    """Reorder the dims (a view)."""
    order = tuple(wrap_dim(d, input.ndim) for d in int_list(dims, "permute", "dims"))
    if sorted(order) != list(range(input.ndim)):
        raise RuntimeError("permute(): duplicate dims are not allowed."
                           if len(set(order)) != len(order) else
                           f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {input.ndim} is not equal to len(dims) = {len(order)}")
    return _as_view(Permute.apply(input, dims=order), input)


def movedim(input: Tensor, source: int, destination: int) -> Tensor:
    """Move dim `source` to position `destination`, the others keeping their order (a view)."""
    if input._data.ndim == 0:  # dims 0 and -1 name the tensor itself: nothing moves
        wrap_dim(source, 0), wrap_dim(destination, 0)
        return _as_view(Alias.apply(input), input)
    order = list(range(input.ndim))
    order.insert(wrap_dim(destination, input.ndim), order.pop(wrap_dim(source, input.ndim)))
    return permute(input, order)


class _Reshaping(Function):
    """Squeeze: drop the size-1 `dims`; backward puts them back with unsqueeze."""

    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, shape: tuple[int, ...] = (),
                dims: tuple[int, ...] = ()) -> np.ndarray:
        ctx.shape, ctx.dims = x._data.shape, dims
        return x._data.reshape(shape)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        for dim in ctx.dims:
            grad = _formula.unsqueeze(grad, dim)
        return grad

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        """Each row back to the input's shape."""
        return grad.reshape(grad.shape[0], *ctx.shape)

    jvp = staticmethod(View.jvp)


class SqueezeAll(_Reshaping, node_name="SqueezeBackward0"):
    aten_name = "aten::squeeze"
    shows_forward = "result = self.squeeze()"
    shows_sends = ("@rule.reshaped",)


class SqueezeDim(_Reshaping, node_name="SqueezeBackward1"):
    aten_name = "aten::squeeze"
    shows_forward = "result = self.squeeze(dim)"
    shows_sends = ("@rule.reshaped",)


class SqueezeDims(_Reshaping, node_name="SqueezeBackward2"):
    aten_name = "aten::squeeze"


class SqueezeDimsList(_Reshaping, node_name="SqueezeBackward4"):
    """The squeeze matmul records after a vector-matrix product."""


class Unsqueeze(_Reshaping, node_name="UnsqueezeBackward0"):
    """Insert a size-1 dim; backward squeezes it away again."""

    aten_name = "aten::unsqueeze"
    shows_forward = "result = self.unsqueeze(dim)"
    shows_sends = ("@rule.reshaped",)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.squeeze(grad, ctx.dims[0])


@checks_argument_types("(Tensor input)", "(Tensor input, int dim)",
                       "(Tensor input, tuple of ints dim)")
def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Drop dims of size 1 (all of them, or those in `dim` that have size 1)."""
    shape = input._data.shape
    candidates = range(len(shape)) if dim is None else wrap_dims(dim, input.ndim)
    dropped = tuple(sorted(d for d in set(candidates) if shape[d] == 1))
    target = tuple(s for i, s in enumerate(shape) if i not in dropped)
    function = SqueezeAll if dim is None else SqueezeDim if isinstance(dim, int) else SqueezeDims
    return _as_view(function.apply(input, shape=target, dims=dropped), input)


@checks_argument_types()
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dim of size 1 at `dim`."""
    dim = wrap_dim(dim, input.ndim + 1)
    shape = input._data.shape
    return _as_view(Unsqueeze.apply(input, shape=(*shape[:dim], 1, *shape[dim:]), dims=(dim,)),
                    input)


class Expand(Function, node_name="ExpandBackward0"):
    aten_name = "aten::expand"
    shows_forward = "result = self.expand(size)"
    shows_sends = ("@rule.expanded",)
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, shape: tuple[int, ...] = ()) -> np.ndarray:
        ctx.shape = x._data.shape
        return backend.broadcast_view(x._data, shape)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.sum_to_size(grad, ctx.shape)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        """The rows as they are: summing the copies up is the engine's step for every
        broadcast input (`_sum_to_batched`)."""
        return grad

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        x, shape = ctx.primal_inputs[0], ctx.primal_outputs[0].shape
        lead = _fw.batch_dims(tangent, x)
        return _fw.lift(tangent, x, len(shape)).expand(*tangent.shape[:lead], *shape)


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """Repeat dims of size 1 without copying (-1 keeps a size)."""
    target = list(int_list(sizes, "expand", "size"))
    shape = input._data.shape
    if len(target) < len(shape):
        raise RuntimeError(
            f"expand({_type_name(input)}{{{list(shape)}}}, size={target}): the number of sizes "
            "provided (" + str(len(target)) + ") must be greater or equal to the number of "
            "dimensions in the tensor (" + str(len(shape)) + ")"
        )
    lead = len(target) - len(shape)
    for i in range(lead):
        if target[i] == -1:
            raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                               f"non-existing dimension {i}")
    for i, size in enumerate(shape):
        wanted = target[lead + i]
        if wanted == -1:
            target[lead + i] = size
        elif size != 1 and size != wanted:
            raise RuntimeError(
                f"The expanded size of the tensor ({wanted}) must match the existing size "
                f"({size}) at non-singleton dimension {lead + i}.  Target sizes: "
                f"{list(int_list(sizes, 'expand', 'size'))}.  Tensor sizes: {list(shape)}"
            )
    return _as_view(Expand.apply(input, shape=tuple(target)), input)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other._data.shape)


def _type_name(tensor: Tensor) -> str:
    from minigrad.autograd.graph import _TENSOR_TYPE_NAMES

    return "torch." + _TENSOR_TYPE_NAMES[tensor._data.dtype.name]


def sum_to_size(input: Tensor, *size: Any) -> Tensor:
    """Sum the broadcast dims away, so the result has shape `size`."""
    shape = int_list(size, "sum_to_size", "size")
    current = input._data.shape
    dims = backend.summed_dims(current, shape)
    if dims is None:
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size "
                           f"{{{list(current)}}}.")
    if shape == () and current != ():
        return input.sum()  # as PyTorch's sum_to: SumBackward0
    result = input.sum(dims, keepdim=True) if dims else input
    return result.reshape(shape) if result._data.shape != shape else result


class Repeat(Function, node_name="RepeatBackward0"):
    aten_name = "aten::repeat"

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, repeats: tuple[int, ...] = ()) -> np.ndarray:
        data = x._data.reshape((1,) * (len(repeats) - x._data.ndim) + x._data.shape)
        ctx.shape, ctx.expanded, ctx.repeats = x._data.shape, data.shape, repeats
        return np.tile(data, repeats)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        # Split each dim into (copy, element) and add the copies up.
        split = [n for pair in zip(ctx.repeats, ctx.expanded) for n in pair]
        summed = grad.reshape(split).sum(tuple(range(0, len(split), 2)))
        return summed.reshape(ctx.shape)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        """Each dim split into (copy, element), and the copies added up, row by row."""
        split = [n for pair in zip(ctx.repeats, ctx.expanded) for n in pair]
        summed = grad.reshape(grad.shape[0], *split).sum(tuple(range(1, len(split) + 1, 2)))
        return summed.reshape(grad.shape[0], *ctx.shape)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        x = ctx.primal_inputs[0]
        lead = _fw.batch_dims(tangent, x)
        return _fw.lift(tangent, x, len(ctx.repeats)).repeat(*(1,) * lead, *ctx.repeats)


def repeat(input: Tensor, *repeats: Any) -> Tensor:
    """Tile the tensor `repeats[i]` times along each dim."""
    counts = int_list(repeats, "repeat", "repeats")
    if len(counts) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    return Repeat.apply(input, repeats=counts)


# Indexing -------------------------------------------------------------------


def _scattered(grad: Any, shape: tuple[int, ...], key: Any) -> Any:
    """Zeros of `shape` with the array `grad` added at `key` (repeated indices add up)."""
    result = backend.array_module(grad).zeros(shape, dtype=grad.dtype)
    if _is_basic(key):
        result[key] = grad
    else:
        np.add.at(result, key, grad)
    return result


class _ScatterIntoZeros(Function):
    """The backward of reading at `key`: zeros of the input's shape, the gradient added at `key`."""

    @staticmethod
    def forward(ctx: BackwardFunction, grad: Tensor, shape: tuple[int, ...] = (),
                key: Any = ()) -> np.ndarray:
        ctx.key = key
        return _scattered(grad._data, shape, key)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        return Index.apply(grad, key=ctx.key)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        """Each row read at the key (a backward's own backward)."""
        key, position = _fw.batched_key(ctx.key, 1)
        return _fw.move_batch(Index.apply(grad, key=key), 1, position, 0)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        lead = _fw.batch_dims(tangent, ctx.primal_inputs[0])
        key, position = _fw.batched_key(ctx.key, lead)
        shape = (*tangent.shape[:lead], *ctx.primal_outputs[0].shape)
        return ctx._forward_cls.apply(_fw.move_batch(tangent, lead, 0, position), shape=shape,
                                      key=key)


class SelectBackwardBackward(_ScatterIntoZeros, node_name="SelectBackwardBackward0"):
    aten_name = "aten::select_backward"


class SliceBackwardBackward(_ScatterIntoZeros, node_name="SliceBackwardBackward0"):
    aten_name = "aten::slice_backward"


class IndexPutImplBackward(Function, node_name="IndexPutImplBackward0"):
    """Advanced indexing's backward as PyTorch records it, `zeros.index_put_(indices, grad,
    accumulate=True)`: an edge for the zeros (None) and one for the gradient added in."""

    @staticmethod
    def forward(ctx: BackwardFunction, zeros: Tensor, grad: Tensor, key: Any = ()
                ) -> np.ndarray:
        ctx.key = key
        result = zeros._data.copy()
        np.add.at(result, key, grad._data)  # repeated indices add up
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[None, Tensor]:
        return None, Index.apply(grad, key=ctx.key)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_zeros: Tensor | None, tangent_grad: Tensor | None
            ) -> Tensor | None:
        if tangent_grad is None:
            return None
        lead = _fw.batch_dims(tangent_grad, ctx.primal_inputs[1])
        key, position = _fw.batched_key(ctx.key, lead)
        return _put_into_zeros((*tangent_grad.shape[:lead], *ctx.primal_outputs[0].shape),
                               _fw.move_batch(tangent_grad, lead, 0, position), key)


def _put_into_zeros(shape: tuple[int, ...], grad: Tensor, key: Any) -> Tensor:
    """Zeros of `shape` with `grad` added at `key`, recorded as PyTorch records it."""
    return IndexPutImplBackward.apply(_formula.zeros(shape, grad), grad, key=key)


def _is_basic(key: tuple[Any, ...]) -> bool:
    return all(isinstance(k, (int, slice)) or k is None or k is Ellipsis for k in key)


class _Read(Function):
    """Read the elements at a NumPy `key`; backward scatters the gradient back."""

    scatter: type[_ScatterIntoZeros]

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, key: Any = ()) -> np.ndarray:
        ctx.shape, ctx.key = x._data.shape, key
        return x._data[key]

    @classmethod
    def put_into_zeros(cls, shape: tuple[int, ...], grad: ArrayOrTensor, key: Any
                       ) -> ArrayOrTensor:
        """Zeros of the input's `shape` with `grad` at `key`: this read's backward."""
        if not isinstance(grad, Tensor):
            return _scattered(grad, shape, key)
        return cls.scatter.apply(grad, shape=shape, key=key)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return ctx._forward_cls.put_into_zeros(ctx.shape, grad, ctx.key)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        """Each row scattered into zeros of the input's shape."""
        key, position = _fw.batched_key(ctx.key, 1)
        moved = _fw.move_batch(grad, 1, 0, position)
        return ctx._forward_cls.put_into_zeros((grad.shape[0], *ctx.shape), moved, key)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        lead = _fw.batch_dims(tangent, ctx.primal_inputs[0])
        key, position = _fw.batched_key(ctx.key, lead)
        return _fw.move_batch(ctx._forward_cls.apply(tangent, key=key), lead, position, 0)


class Select(_Read, node_name="SelectBackward0"):
    aten_name = "aten::select"
    shows_forward = "result = self[index]"
    shows_sends = ("@rule.select",)
    scatter = SelectBackwardBackward
    _backward_on_arrays = True


class Slice(_Read, node_name="SliceBackward0"):
    aten_name = "aten::slice"
    shows_forward = "result = self[start:end]"
    shows_sends = ("@rule.slice",)
    scatter = SliceBackwardBackward
    _backward_on_arrays = True


class Index(_Read, node_name="IndexBackward0"):
    """Advanced indexing: a row-major copy, with the index arrays saved as PyTorch saves them."""

    aten_name = "aten::index"
    shows_forward = "result = self[indices]"
    shows_sends = ("@rule.index",)

    saved_names = ("indices",)

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, key: Any = ()) -> np.ndarray:
        ctx.shape, ctx.key = x._data.shape, key
        # Saved, so a second backward through a freed graph fails as PyTorch's does.
        ctx.save_for_backward(*[Tensor._wrap(k) for k in key if not _is_basic((k,))])
        try:
            result = x._data[key]
        except IndexError as error:
            if 0 in x._data.shape:
                raise IndexError("index is out of bounds for dimension with size 0") from None
            raise IndexError(str(error).replace(" for axis ", " for dimension ")) from None
        return result if result.flags.c_contiguous else result.copy()  # a copy is row-major

    @classmethod
    def put_into_zeros(cls, shape: tuple[int, ...], grad: Tensor, key: Any) -> Tensor:
        return _put_into_zeros(shape, grad, key)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        saved = iter(ctx.saved_tensors)
        key = tuple(k if _is_basic((k,)) else next(saved)._data for k in ctx.key)
        return _put_into_zeros(ctx.shape, grad, key)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at `index` along `dim`, with that dim removed (a view)."""
    if input._data.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, input.ndim)
    size = input._data.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input._data.shape)} at dimension {dim}")
    return _select(input, dim, index)


def _select(input: Tensor, dim: int, index: int) -> Tensor:
    """`select` as `x[i]` records it, with indexing's message for an index out of range."""
    size = input._data.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"index {index} is out of bounds for dimension {dim} with size {size}")
    # The trailing Ellipsis keeps a 0-d result a view rather than a NumPy scalar.
    key = (slice(None),) * dim + (index % size, Ellipsis)
    return _as_view(Select.apply(input, key=key), input)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """`length` elements along `dim` from `start` (a view)."""
    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, input.ndim)
    size = input._data.shape[dim]
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    start %= size if size else 1
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return _slice(input, dim, slice(start, start + length))


def _slice(input: Tensor, dim: int, part: slice) -> Tensor:
    if part.step is not None and part.step <= 0:
        raise ValueError("step must be greater than zero")
    key = (slice(None),) * dim + (part,)
    return _as_view(Slice.apply(input, key=key), input)


def _index_array(value: Any, input: Tensor) -> np.ndarray:
    """An index (tensor, array or list) as an array on `input`'s device.

    As in PyTorch, an index on the CPU may index a tensor on a GPU, not the other way.
    """
    data = value._data if isinstance(value, Tensor) else np.asarray(value)
    if data.size == 0 and not isinstance(value, Tensor):
        data = data.astype(np.int64)  # `x[[]]`: an empty list of positions
    if data.dtype.kind == "f":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if type(data) is not type(input._data):
        place, found = input.device, backend.device_of(data)
        if found.type != "cpu" and found != place:
            raise RuntimeError("indices should be either on cpu or on the same device as the "
                               f"indexed tensor ({place})")
        data = backend.to_device(data, place)
    return data


def is_full_slice(index: slice, size: int) -> bool:
    """Whether PyTorch skips this slice: it looks at the slice as written (`0:10` of 3 is
    skipped, `-3:` is recorded), not at the positions it covers."""
    return (index.start is None or index.start == 0) and index.step in (None, 1) and (
        index.stop is None or index.stop >= size)


def _dims_covered(index: Any) -> int:
    """How many dims an advanced index covers: a mask its own, any other index one."""
    data = index._data if isinstance(index, Tensor) else np.asarray(index)
    return data.ndim if data.dtype == np.bool_ else 1


_INDEX_TYPES = (int, np.integer, np.bool_, slice, Tensor, list, tuple, np.ndarray,
                type(None), type(Ellipsis))


def _check_index_type(index: Any) -> None:
    """PyTorch's error for an index that is none of the kinds it accepts (`x[1.5]`)."""
    if isinstance(index, str):  # PyTorch tries to build an index tensor from it
        raise TypeError("new(): invalid data type 'str'")
    if not isinstance(index, _INDEX_TYPES):
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                         f"Variables are valid indices (got {type(index).__name__})")


def getitem(input: Tensor, key: Any) -> Tensor:
    """`tensor[key]`, recorded as PyTorch records it.

    Integers and slices become SelectBackward0 / SliceBackward0 views, one per
    dim, left to right; `None` inserts a dim; lists, tensors and masks go to one
    IndexBackward0 at the end.
    """
    if type(key) is int and input._data.ndim:
        return _select(input, 0, key)  # `x[i]`, the common case, without the key's analysis
    if isinstance(key, slice):
        # A lone slice is always recorded, even `x[:]`, as PyTorch does.
        start, stop, step = key.indices(input._data.shape[0]) if input._data.ndim else (0, 0, 1)
        if input._data.ndim and (key.step is None or key.step > 0):
            return _slice(input, 0, slice(start, stop, step))
    if not isinstance(key, tuple):
        key = (key,)
    for k in key:
        _check_index_type(k)
    # A Python bool is a one-element mask, not the integer 0 or 1.
    key = tuple(np.bool_(k) if isinstance(k, bool) else k for k in key)
    advanced = [not (isinstance(k, (int, np.integer, slice)) or k is None or k is Ellipsis)
                and not (isinstance(k, Tensor) and k._data.ndim == 0 and k._data.dtype.kind in "iu")
                for k in key]
    consumed = sum(_dims_covered(k) if adv else 1
                   for k, adv in zip(key, advanced) if k is not None and k is not Ellipsis)
    if sum(k is Ellipsis for k in key) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > input.ndim:
        if input.ndim == 0 and len(key) == 1 and isinstance(key[0], (int, np.integer)):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {input.ndim}")
    result = input
    dim = 0
    remaining: list[Any] = []
    for k, adv in zip(key, advanced):
        if k is Ellipsis:
            skip = input.ndim - consumed
            dim += skip
            remaining.extend([slice(None)] * skip)
        elif k is None:
            result = unsqueeze(result, dim)
            dim += 1
            remaining.append(slice(None))
        elif adv and _dims_covered(k) == 0:
            # A 0-d mask, as PyTorch applies it: a new dim of size 1, kept or dropped.
            result = unsqueeze(result, dim)
            remaining.append(_index_array(k, input).reshape(1))
            dim += 1
        elif adv:
            array = _index_array(k, input)
            remaining.append(array)
            dim += array.ndim if array.dtype == np.bool_ else 1
        elif isinstance(k, slice):
            size = result._data.shape[dim]
            start, stop, step = k.indices(size) if (k.step is None or k.step > 0) else (
                0, 0, k.step)
            if not is_full_slice(k, size):
                result = _slice(result, dim, slice(start, stop, step))
            dim += 1
            remaining.append(slice(None))
        else:
            result = _select(result, dim, int(k))
    if any(advanced):
        # A mask counts as the dims it covers; the last full slices can be dropped.
        while remaining and isinstance(remaining[-1], slice):
            remaining.pop()
        result = Index.apply(result, key=tuple(remaining))
    elif result is input:
        result = _as_view(Alias.apply(input), input)
    return result


# Joining and splitting ----------------------------------------------------------


class Cat(Function, node_name="CatBackward0"):
    aten_name = "aten::cat"
    shows_forward = "result = cat(tensors)"
    shows_sends = ("@rule.slice_of_grad",)

    @staticmethod
    def forward(ctx: BackwardFunction, *tensors: Tensor, dim: int = 0) -> np.ndarray:
        target = result_dtype(*tensors)
        ctx.dim = dim
        # None marks a 1-D empty tensor: it took no part (see `_joins_anything`).
        ctx.sizes = [None if _joins_anything(t) else t._data.shape[dim] for t in tensors]
        joined = [t for t in tensors if not _joins_anything(t)] or tensors
        return np.concatenate([t._data.astype(target, copy=False) for t in joined], axis=dim)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, ...]:
        grads = []
        start = 0
        for size in ctx.sizes:
            if size is None:
                grads.append(_formula.zeros((0,), grad))
                continue
            grads.append(grad.narrow(ctx.dim, start, size))
            start += size
        return tuple(grads)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, ...]:
        """Each input's slice of every row."""
        starts = itertools.accumulate([0, *ctx.sizes])
        return tuple(grad.narrow(ctx.dim + 1, start, size)
                     for start, size in zip(starts, ctx.sizes))

    @staticmethod
    def jvp(ctx: BackwardFunction, *tangents: Tensor | None) -> Tensor:
        parts = _fw.zero_filled(tangents, ctx.primal_inputs)
        return cat([t for t, x in zip(parts, ctx.primal_inputs) if x.shape != (0,)]
                   or parts, ctx.dim - ctx.primal_outputs[0].ndim)


def _joins_anything(tensor: Tensor) -> bool:
    """PyTorch's legacy rule: `cat` skips a 1-D empty tensor, whatever the others' shape."""
    return tensor._data.shape == (0,)


def _tensor_list(tensors: Any, op: str) -> list[Tensor]:
    """`tensors` as a list, with PyTorch's TypeError for a tensor or a non-tensor element."""
    if not isinstance(tensors, (tuple, list)):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return list(tensors)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    _check_devices(tensors)
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    reference = next((t for t in tensors if not _joins_anything(t)), tensors[0])
    dim = wrap_dim(dim, reference.ndim)
    for i, t in enumerate(tensors):
        if _joins_anything(t):
            continue
        if t._data.ndim != reference.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {reference.ndim} and "
                f"{t._data.ndim}")
        for d in range(reference.ndim):
            if d != dim and t._data.shape[d] != reference._data.shape[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size "
                    f"{reference._data.shape[d]} but got size {t._data.shape[d]} for tensor "
                    f"number {i} in the list."
                )
    return Cat.apply(*tensors, dim=dim)


concat = concatenate = cat


def _check_devices(tensors: list[Tensor]) -> None:
    """PyTorch's error for joining tensors on two devices (its CUDA `cat` kernel's check)."""
    if len({type(t._data) for t in tensors}) > 1:
        backend.check_argument_devices("cat", [("tensors", t._data) for t in tensors])


class Stack(Function, node_name="StackBackward0"):
    aten_name = "aten::stack"
    shows_forward = "result = stack(tensors)"
    shows_sends = ("@rule.slice_of_grad",)
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, *tensors: Tensor, dim: int = 0) -> np.ndarray:
        target = result_dtype(*tensors)
        ctx.dim = dim
        return np.stack([t._data.astype(target, copy=False) for t in tensors], axis=dim)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> tuple[ArrayOrTensor, ...]:
        return _formula.unbind(grad, ctx.dim)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, ...]:
        """Each input's slice of every row."""
        return tuple(grad.unbind(ctx.dim + 1))

    @staticmethod
    def jvp(ctx: BackwardFunction, *tangents: Tensor | None) -> Tensor:
        return stack(_fw.zero_filled(tangents, ctx.primal_inputs),
                     ctx.dim - ctx.primal_outputs[0].ndim)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dim."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    _check_devices(tensors)
    first = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != first:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 "
                f"and {list(t._data.shape)} at entry {i}")
    return Stack.apply(*tensors, dim=wrap_dim(dim, len(first) + 1))


class Unbind(Function, node_name="UnbindBackward0"):
    aten_name = "aten::unbind"

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, dim: int = 0) -> tuple[np.ndarray, ...]:
        ctx.dim = dim
        leading = (slice(None),) * dim
        # `...` keeps a 0-d piece a view (NumPy gives a copied scalar for `a[0]` of 1-D `a`).
        return tuple(x._data[(*leading, i, ...)] for i in range(x._data.shape[dim]))

    @staticmethod
    def backward(ctx: BackwardFunction, *grads: Tensor) -> Tensor:
        return stack(grads, ctx.dim)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, *grads: Tensor) -> Tensor:
        """The pieces' batched grads stacked again, one dim further right."""
        return stack(grads, ctx.dim + 1)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> tuple[Tensor, ...]:
        return tangent.unbind(ctx.dim - ctx.primal_inputs[0].ndim)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along `dim`, as a tuple."""
    if input._data.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return _multi_output_views(Unbind.apply(input, dim=wrap_dim(dim, input.ndim)), input)


def _multi_output_views(outputs: tuple[Tensor, ...], input: Tensor) -> tuple[Tensor, ...]:
    """Mark the pieces of `input` one op returned as its views. PyTorch lets none of them be
    changed in place while autograd records (one node made them all)."""
    for output in outputs:
        _as_view(output, input)
        if grad_mode._state.enabled:
            output._multi_output_view = True
    return outputs


class Split(Function, node_name="SplitBackward0"):
    aten_name = "aten::split"

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, sizes: tuple[int, ...] = (), dim: int = 0
                ) -> tuple[np.ndarray, ...]:
        ctx.dim = dim
        bounds = np.cumsum(sizes)[:-1].tolist()  # offsets as numbers, for any device
        return tuple(np.split(x._data, bounds, axis=dim))

    @staticmethod
    def backward(ctx: BackwardFunction, *grads: Tensor) -> Tensor:
        return cat(grads, ctx.dim)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, *grads: Tensor) -> Tensor:
        """The pieces' batched grads joined again, one dim further right."""
        return cat(grads, ctx.dim + 1)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> tuple[Tensor, ...]:
        sizes = [out.shape[ctx.dim] for out in ctx.primal_outputs]
        return tangent.split(sizes, ctx.dim - ctx.primal_inputs[0].ndim)


class SplitWithSizes(Split, node_name="SplitWithSizesBackward0"):
    """`split` given the pieces' sizes, recorded under PyTorch's name for it."""

    aten_name = "aten::split_with_sizes"


def split(input: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of `split_size` along `dim` (the last may be smaller), or the given sizes."""
    if input._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = wrap_dim(dim, input.ndim)
    length = input._data.shape[dim]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size < 0:
            raise RuntimeError(
                f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0 and length != 0:
            raise RuntimeError("split_size can only be 0 if dimension size is 0, but got dimension "
                               f"size of {length}")
        if size == 0:
            return _multi_output_views(Split.apply(input, sizes=(0,), dim=dim), input)
        sizes = [size] * (length // size) + ([length % size] if length % size else [])
        return _multi_output_views(Split.apply(input, sizes=tuple(sizes), dim=dim), input)
    sizes = list(split_size_or_sections)
    if sum(sizes) != length:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's "
            f"size at dimension {dim}), but got split_sizes={sizes}")
    return _multi_output_views(SplitWithSizes.apply(input, sizes=tuple(sizes), dim=dim), input)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most `chunks` pieces of equal size along `dim`."""
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    length = input._data.shape[wrap_dim(dim, input.ndim)]
    if length == 0:  # `chunks` empty pieces, as PyTorch gives them
        return split(input, [0] * chunks, dim)
    return split(input, -(-length // chunks), dim)


# Copies -------------------------------------------------------------------------


class Clone(Function, node_name="CloneBackward0"):
    aten_name = "aten::clone"
    shows_forward = "result = self.clone()"
    shows_sends = ("grad",)
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, by_rows: bool = False) -> np.ndarray:
        """The copy laid out as `x` is (`clone()`), or by rows (`contiguous()`, `reshape`)."""
        return x._data.copy() if by_rows else _copy_preserving_layout(x._data)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return grad

    jvp = staticmethod(Alias.jvp)


def _copy_preserving_layout(array: Any) -> Any:
    """A copy whose dims lie in memory in the order `array`'s do (a transpose stays
    transposed), without gaps; by rows where elements share memory (an expanded tensor):
    PyTorch's `preserve_format`."""
    if 0 in array.strides and array.size > 1:
        return array.copy()
    return array.copy(order="K")


def clone(input: Tensor) -> Tensor:
    """A copy with its own memory, still connected to the graph."""
    return Clone.apply(input)


def contiguous(input: Tensor) -> Tensor:
    """The tensor itself if its memory is in row-major order, else a copy that is."""
    if input._data.flags.c_contiguous:
        return input
    return Clone.apply(input, by_rows=True)


class ToCopy(Function, node_name="ToCopyBackward0"):
    """A copy in another dtype and/or on another device; the gradient goes back as it came."""

    aten_name = "aten::_to_copy"
    shows_forward = "result = self.to(dtype)"
    shows_sends = ("@rule.cast",)

    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, dtype: backend.dtype | None = None,
                device: backend.device | None = None) -> np.ndarray:
        data = x._data
        ctx.dtype, ctx.device = data.dtype, backend.device_of(data)
        if device is not None:
            data = backend.to_device(data, device)
        elif dtype is None:  # `to(..., copy=True)` that changes nothing: a copy all the same
            return data.copy(order="K")
        # `to` asks for a dtype only when it differs, so astype copies whenever it must.
        return data if dtype is None else data.astype(dtype.np, copy=False)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        return grad.to(ctx.device, backend.from_numpy_dtype(ctx.dtype))

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        result = ctx.primal_outputs[0]
        return tangent.to(result.device, result.dtype)


def to_arguments(args: tuple[Any, ...], dtype: backend.dtype | None, device: Any
                 ) -> tuple[backend.dtype | None, Any]:
    """The dtype and device that `.to(...)` names: a dtype, a device (or its name or
    index), or a tensor whose dtype and device to take, positionally or by keyword."""
    for arg in args:
        if isinstance(arg, backend.dtype):
            dtype = arg
        elif isinstance(arg, Tensor):
            dtype, device = arg.dtype, arg.device
        elif backend.dtype_named_by_python(arg) is not None:
            dtype = backend.dtype_named_by_python(arg)
        else:
            device = arg
    return dtype, device


def to(input: Tensor, *args: Any, dtype: backend.dtype | None = None,
       device: Any = None, copy: bool = False, non_blocking: bool = False) -> Tensor:
    """The tensor in another dtype and/or on another device; itself if nothing changes.

    `to("cuda")`, `to(minigrad.float64)`, `to("cuda", minigrad.float64)`, `to(other)`.
    A copy to another device is recorded (ToCopyBackward0), as a change of dtype is, and as
    `copy=True` is when nothing changes.
    """
    dtype, device = to_arguments(args, dtype, device)
    if dtype is not None and dtype.np == input._data.dtype:
        dtype = None
    if device is not None:
        device = backend.resolve(device)
        if device is backend.device_of(input._data):  # both give one object per device
            device = None
    if dtype is None and device is None:
        return ToCopy.apply(input) if copy else input
    return ToCopy.apply(input, dtype=dtype, device=device)
