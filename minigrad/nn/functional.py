"""`nn.functional`: layers and losses as plain functions, recorded as PyTorch records them.

`linear` on a batch of rows is one `addmm` (AddmmBackward0), `mse_loss` is
MseLossBackward0, and `cross_entropy` is `log_softmax` followed by `nll_loss`
(LogSoftmaxBackward0, then NllLossBackward0), as in PyTorch. The losses' backwards are
PyTorch's named ops too (`mse_loss_backward`, `nll_loss_backward`), so that a double
backward records MseLossBackwardBackward0 and NllLossBackwardBackward0.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from minigrad import backend, ops
from minigrad._tensor import Size, Tensor
from minigrad.autograd.function import BackwardFunction, Function
from minigrad.backend.dtypes import dtype as DType
from minigrad.ops import _formula
from minigrad.ops._formula import ArrayOrTensor
from minigrad.ops._util import on_one_device

__all__ = ["cross_entropy", "linear", "log_softmax", "mse_loss", "nll_loss", "relu", "sigmoid",
           "softmax", "tanh"]

_REDUCTIONS = ("none", "mean", "sum")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weightᵀ + bias, recorded as PyTorch computes it: one `addmm` for a 2-D input;
    for a contiguous input of other dims with a 1-D bias, its rows flattened into one `addmm`
    and the result viewed back (ViewBackward0); otherwise `matmul`, then `+ bias`."""
    if bias is not None:
        if input.dim() == 2:
            return ops.addmm(bias, input, weight.t())
        if bias.dim() == 1 and input.is_contiguous():
            *leading, features = input.shape
            rows = ops.reshape(input, (math.prod(leading), features))
            output = ops.addmm(bias, rows, weight.t())
            return output.view(*leading, output.shape[1])
    output = ops.matmul(input, weight.t())
    return output if bias is None else output + bias


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0) elementwise; `inplace=True` overwrites `input`."""
    return input.relu_() if inplace else ops.relu(input)


def tanh(input: Tensor) -> Tensor:
    """The hyperbolic tangent, elementwise."""
    return ops.tanh(input)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), elementwise."""
    return ops.sigmoid(input)


def _softmax_dim(name: str, ndim: int) -> int:
    """The dim PyTorch picks (with a warning) when `softmax` is called without one."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, dtype: DType | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`: each slice becomes a probability distribution."""
    if dim is None:
        dim = _softmax_dim("softmax", input.dim())
    return ops.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, dtype: DType | None = None) -> Tensor:
    """log(softmax(x)) along `dim`, computed without overflow."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim())
    return ops.log_softmax(input, dim, dtype=dtype)


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(values: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return backend.as_array(values.mean(), values.dtype)
    if reduction == "sum":
        return backend.as_array(values.sum(), values.dtype)
    return values


class MseLoss(Function, node_name="MseLossBackward0"):
    """(input - target)², averaged or summed: the squared error of a prediction."""

    saved_names = ("self", "target")
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, input: Tensor, target: Tensor,
                reduction: str = "mean") -> np.ndarray:
        ctx.save_for_backward(input, target)
        ctx.reduction, ctx.count = reduction, input._data.size
        x, t = input._data, target._data
        if type(x) is not type(t):
            x, t = on_one_device(x, t)
        difference = x - t
        return _reduce(difference * difference, reduction)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor
                 ) -> tuple[ArrayOrTensor | None, ArrayOrTensor | None]:
        input, target = ctx.saved_tensors
        needs_input, needs_target = ctx.needs_input_grad
        # PyTorch's formula: mse_loss_backward for each, for the target with the two swapped.
        return (_mse_loss_backward(grad, input, target, ctx.reduction) if needs_input else None,
                _mse_loss_backward(grad, target, input, ctx.reduction) if needs_target else None)


def _mse_loss_backward(grad: ArrayOrTensor, input: ArrayOrTensor, target: ArrayOrTensor,
                       reduction: str) -> ArrayOrTensor:
    """2 (input - target) · grad (/ its size for the mean), PyTorch's `mse_loss_backward`: on
    tensors the recorded op, so that a double backward shows MseLossBackwardBackward0."""
    if isinstance(grad, Tensor) or isinstance(input, Tensor) or isinstance(target, Tensor):
        return MseLossBackward.apply(*map(_formula.as_tensor, (grad, input, target)),
                                     reduction=reduction)
    # d/dx (x - t)² = 2 (x - t); the mean spreads the gradient over every element.
    scale = 2.0 / input.size if reduction == "mean" else 2.0
    return (input - target) * scale * grad


class MseLossBackward(Function, node_name="MseLossBackwardBackward0"):
    """mse_loss's backward as an op of its own, PyTorch's `mse_loss_backward(grad_output,
    self, target)`, so that a double backward records it and differentiates it as PyTorch."""

    saved_names = ("grad_output", "self", "target")

    @staticmethod
    def forward(ctx: BackwardFunction, grad_output: Tensor, input: Tensor, target: Tensor,
                reduction: str = "mean") -> np.ndarray:
        ctx.save_for_backward(grad_output, input, target)
        ctx.reduction, ctx._saved_reduction = reduction, _REDUCTIONS.index(reduction)
        x, t = input._data, target._data
        if type(x) is not type(t):
            x, t = on_one_device(x, t)
        return _mse_loss_backward(grad_output._data, x, t, reduction)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor | None, ...]:
        grad_output, input, target = ctx.saved_tensors
        needs_grad_output, needs_input, needs_target = ctx.needs_input_grad
        reduction = ctx.reduction
        for_grad_output = None
        if needs_grad_output:  # the backward's slope in grad_output is the backward itself
            for_grad_output = _mse_loss_backward(grad, input, target, reduction)
            if reduction != "none":
                for_grad_output = for_grad_output.sum()
        return (for_grad_output,
                _mse_slope(grad, grad_output, reduction) if needs_input else None,
                -_mse_slope(grad, grad_output, reduction) if needs_target else None)


def _mse_slope(grad: Tensor, grad_output: Tensor, reduction: str) -> Tensor:
    """2 · grad · grad_output (/ the size for the mean): the slope of mse_loss_backward in
    `self`, as PyTorch's `mse_loss_double_backward` computes it."""
    slope = _formula.mul_scalar(grad * grad_output, 2.0)
    return _formula.div_scalar(slope, grad.numel()) if reduction == "mean" else slope


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """The mean (or sum) of squared differences between `input` and `target`."""
    _check_reduction(reduction)
    if input.shape != target.shape:
        warnings.warn(
            f"Using a target size ({Size(target.shape)!r}) that is different to the input size "
            f"({Size(input.shape)!r}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.", stacklevel=2)
        shape = np.broadcast_shapes(input.shape, target.shape)
        input, target = input.expand(*shape), target.expand(*shape)
    return MseLoss.apply(input, target, reduction=reduction)


class NllLoss(Function, node_name="NllLossBackward0"):
    """-log p(target): each sample's log-probability of its class, negated and weighted."""

    saved_names = ("self", "target")
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, log_probs: Tensor, target: Tensor | None = None,
                weight: np.ndarray | None = None, ignore_index: int = -100,
                reduction: str = "mean") -> np.ndarray:
        # Saved as PyTorch saves them: a second backward through a freed graph fails.
        ctx._save_inputs(log_probs, target)
        target = target._data
        # Classes along dim 1 (dim 0 for one unbatched sample), as in PyTorch.
        ndim = log_probs._data.ndim
        class_dim = 0 if ndim == 1 else 1
        scores = log_probs._data if class_dim == ndim - 1 else np.moveaxis(
            log_probs._data, class_dim, -1)
        kept = target != ignore_index
        classes = np.where(kept, target, 0)
        if scores.ndim == 2:  # a batch of samples: pick with an index, the common case
            picked = scores[backend.array_module(scores).arange(len(classes)), classes]
        else:
            picked = np.take_along_axis(scores, classes[..., None], axis=-1)[..., 0]
        if weight is None:
            sample_weight = kept.astype(scores.dtype)
        else:
            sample_weight = backend.as_array(weight[classes] * kept, scores.dtype)
        losses = -picked * sample_weight
        ctx.shape, ctx.class_dim, ctx.reduction = log_probs._data.shape, class_dim, reduction
        ctx.ignore_index, ctx.sample_weight, ctx.weight = ignore_index, sample_weight, weight
        if reduction == "none":
            return losses
        total = backend.as_array(losses.sum(), scores.dtype)
        if reduction == "sum":
            return total
        total_weight = ctx.total_weight = sample_weight.sum(dtype=scores.dtype)
        if total_weight:
            return backend.as_array(total / total_weight, scores.dtype)
        with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: nan, as in PyTorch
            return backend.as_array(total / total_weight, scores.dtype)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        log_probs, target = ctx.saved_tensors
        local = NllLoss.local_derivative(ctx, target._data if isinstance(target, Tensor)
                                         else target)
        if isinstance(grad, Tensor):  # under create_graph: PyTorch's op, nll_loss_backward
            return NllLossBackward.apply(grad, log_probs, local=local, target=target,
                                         weight=ctx.weight, ignore_index=ctx.ignore_index,
                                         reduction=ctx.reduction, class_dim=ctx.class_dim)
        return _times_local_derivative(grad, local, ctx.reduction, ctx.class_dim)

    @staticmethod
    def local_derivative(ctx: BackwardFunction, target: np.ndarray) -> np.ndarray:
        """The loss's derivative in each log-probability: -weight (/ total weight) at each
        sample's target class, 0 elsewhere."""
        classes = np.where(target != ctx.ignore_index, target, 0)
        # Only the target class of each sample has a gradient: -weight (/ total weight).
        scale = -ctx.sample_weight
        if ctx.reduction == "mean":
            if ctx.total_weight:
                scale = scale / ctx.total_weight
            else:
                with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: nan
                    scale = scale / ctx.total_weight
        xp = backend.array_module(scale)
        if len(ctx.shape) == 2:  # a batch of samples, classes last: set them by index
            one_hot = xp.zeros(ctx.shape, dtype=scale.dtype)
            one_hot[xp.arange(len(classes)), classes] = scale
            return one_hot
        shape = list(ctx.shape)
        shape.append(shape.pop(ctx.class_dim))  # the classes last
        one_hot = xp.zeros(shape, dtype=scale.dtype)
        np.put_along_axis(one_hot, classes[..., None], scale[..., None], axis=-1)
        return np.moveaxis(one_hot, -1, ctx.class_dim)


def _times_local_derivative(grad: np.ndarray, local: np.ndarray, reduction: str,
                            class_dim: int) -> np.ndarray:
    """nll_loss's backward on arrays: the gradient (each sample's, for no reduction) times
    the local derivative."""
    if reduction == "none" and grad.ndim:
        grad = np.expand_dims(grad, class_dim)
    return local * grad


class NllLossBackward(Function, node_name="NllLossBackwardBackward0"):
    """nll_loss's backward as an op of its own, PyTorch's `nll_loss_backward(grad_output,
    self, ...)`: linear in grad_output, flat in the log-probabilities."""

    saved_names = ("target", "weight")

    @staticmethod
    def forward(ctx: BackwardFunction, grad_output: Tensor, log_probs: Tensor,
                local: np.ndarray | None = None, target: Tensor | None = None,
                weight: np.ndarray | None = None, ignore_index: int = -100,
                reduction: str = "mean", class_dim: int = 1) -> np.ndarray:
        ctx.save_for_backward(target, None if weight is None else Tensor._wrap(weight))
        ctx.weight, ctx.ignore_index, ctx.reduction = weight, ignore_index, reduction
        ctx._saved_ignore_index, ctx._saved_reduction = ignore_index, _REDUCTIONS.index(reduction)
        return _times_local_derivative(grad_output._data, local, reduction, class_dim)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        target, _ = ctx.saved_tensors
        needs_grad_output, needs_log_probs = ctx.needs_input_grad
        # PyTorch's formulas: nll_loss of the incoming gradient, and zeros.
        for_grad_output = NllLoss.apply(
            grad, target=target, weight=ctx.weight, ignore_index=ctx.ignore_index,
            reduction=ctx.reduction) if needs_grad_output else None
        return for_grad_output, _formula.zeros_like(grad) if needs_log_probs else None


_DTYPE_TITLES = {"float32": "Float", "float64": "Double", "float16": "Half", "int32": "Int",
                 "int16": "Short", "int8": "Char", "bool": "Bool"}


def _check_target(input: Tensor, target: Tensor) -> None:
    """PyTorch's checks of class-index targets: integer dtype, and a shape that fits `input`."""
    if target._data.dtype.type not in (np.int64, np.uint8):
        name = target._data.dtype.name
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_DTYPE_TITLES.get(name, name)}")
    shape, target_shape = input._data.shape, target._data.shape
    if len(shape) == 1:
        if len(target_shape) == 1 and target_shape[0] != 1:
            raise ValueError("For 1D input, 1D target must have size 1, but got target size: "
                             f"{target_shape[0]}")
        return
    if target_shape and target_shape[0] != shape[0]:
        raise ValueError(f"Expected input batch_size ({shape[0]}) to match target "
                         f"batch_size ({target_shape[0]}).")
    if len(shape) == 2 and len(target_shape) != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    expected = [shape[0], *shape[2:]]
    if len(shape) > 2 and list(target_shape) != expected:
        raise RuntimeError(f"Expected target size {expected}, got {list(target_shape)}")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """The negative log-likelihood of each sample's target class, given log-probabilities."""
    _check_reduction(reduction)
    if weight is not None or type(input._data) is not type(target._data):
        arguments = [("self", input), ("target", target), ("weight", weight)]
        arrays = [(name, t._data) for name, t in arguments if t is not None]
        if len({type(array) for _, array in arrays}) > 1:
            backend.check_argument_devices("nll_loss_forward", arrays)
    _check_target(input, target)
    classes = target._data.astype(np.int64).reshape(() if input.dim() == 1 else target.shape)
    num_classes = input.shape[0 if input.dim() == 1 else 1]
    if classes.size and (classes.min() < 0 or classes.max() >= num_classes):
        out_of_range = (classes != ignore_index) & ((classes < 0) | (classes >= num_classes))
        if out_of_range.any():
            raise IndexError(f"Target {classes[out_of_range].flat[0]} is out of bounds.")
    return NllLoss.apply(input, target=Tensor._wrap(classes),
                         weight=None if weight is None else weight._data.astype(input._data.dtype),
                         ignore_index=ignore_index, reduction=reduction)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """The classification loss: `nll_loss` of `log_softmax` over the class dim.

    `target` holds class indices; `input` holds unnormalised scores (logits)
    with the classes along dim 1, or along dim 0 for one unbatched sample.
    """
    if label_smoothing != 0.0:
        raise NotImplementedError("minigrad's cross_entropy has no label smoothing")
    if target._data.dtype.kind == "f":
        raise NotImplementedError("minigrad's cross_entropy takes class indices as target, "
                                  "not class probabilities")
    log_probs = ops.log_softmax(input, 0 if input.dim() == 1 else 1)
    return nll_loss(log_probs, target, weight, ignore_index, reduction)
