"""Element-by-element ops: each forward formula with its derivative beside it."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from minigrad import backend
from minigrad._tensor import Tensor
from minigrad.autograd import forward_ad as _fw
from minigrad.autograd import graph
from minigrad.autograd.function import BackwardFunction, Function
from minigrad.backend import exact
from minigrad.ops import _formula
from minigrad.ops._formula import ArrayOrTensor
from minigrad.ops._util import (
    Number,
    checks_argument_types,
    floating_data,
    operand_arrays,
    result_dtype,
    scalar_type_name,
)

# Unary ops -------------------------------------------------------------------


class _Elementwise(Function):
    """y = f(x) for each element; backward multiplies the gradient by f'(x).

    A subclass gives `compute` (NumPy) and `derivative`, written with
    operators and `_formula` functions so that it works on arrays and on tensors,
    from what it saved: its input `x` (saved_names = ("self",)) or its
    result `y` (saved_names = ("result",)), whichever PyTorch keeps.
    """

    saved_names: tuple[str, ...] = ("self",)
    _forward_on_arrays = True
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def compute(x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def derivative(saved: ArrayOrTensor) -> ArrayOrTensor:
        raise NotImplementedError

    @classmethod
    def gradient(cls, grad: ArrayOrTensor, saved: ArrayOrTensor) -> ArrayOrTensor:
        """The backward formula: `grad * f'`, unless PyTorch's is written another way (then
        the op overrides it, so the values and a double backward's graph are PyTorch's)."""
        return grad * cls.derivative(saved)

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor) -> np.ndarray:
        op = ctx._forward_cls
        result = op.compute(floating_data(x))
        if op.saved_names == ("self",):
            ctx._save_inputs(x)
        else:
            ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        (saved,) = ctx.saved_tensors
        return ctx._forward_cls.gradient(grad, saved)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        op = ctx._forward_cls
        saved = ctx.primal_inputs[0] if op.saved_names == ("self",) else ctx.primal_outputs[0]
        return tangent * op.derivative(saved)


class Exp(_Elementwise, node_name="ExpBackward0"):
    aten_name = "aten::exp"
    shows_forward = "result = exp(self)"
    shows_sends = ("grad * result",)
    saved_names = ("result",)
    compute = staticmethod(np.exp)

    @staticmethod
    def derivative(result: ArrayOrTensor) -> ArrayOrTensor:
        return result  # (e^x)' = e^x


class Exp2(_Elementwise, node_name="Exp2Backward0"):
    aten_name = "aten::exp2"
    saved_names = ("result",)
    compute = staticmethod(np.exp2)

    @staticmethod
    def derivative(result: ArrayOrTensor) -> ArrayOrTensor:
        return result * float(np.log(2.0))


class Expm1(_Elementwise, node_name="Expm1Backward0"):
    aten_name = "aten::expm1"
    saved_names = ("result",)
    compute = staticmethod(np.expm1)

    @staticmethod
    def derivative(result: ArrayOrTensor) -> ArrayOrTensor:
        return result + 1


class Log(_Elementwise, node_name="LogBackward0"):
    aten_name = "aten::log"
    shows_forward = "result = log(self)"
    shows_sends = ("grad / self",)
    compute = staticmethod(np.log)

    @staticmethod
    def derivative(x: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.reciprocal(x)  # (ln x)' = 1/x

    @staticmethod
    def gradient(grad: ArrayOrTensor, x: ArrayOrTensor) -> ArrayOrTensor:
        return grad / x


class Log2(_Elementwise, node_name="Log2Backward0"):
    aten_name = "aten::log2"
    compute = staticmethod(np.log2)

    @staticmethod
    def derivative(x: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.reciprocal(x * float(np.log(2.0)))

    @staticmethod
    def gradient(grad: ArrayOrTensor, x: ArrayOrTensor) -> ArrayOrTensor:
        return grad / _formula.mul_scalar(x, float(np.log(2.0)))


class Log10(_Elementwise, node_name="Log10Backward0"):
    aten_name = "aten::log10"
    compute = staticmethod(np.log10)

    @staticmethod
    def derivative(x: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.reciprocal(x * float(np.log(10.0)))

    @staticmethod
    def gradient(grad: ArrayOrTensor, x: ArrayOrTensor) -> ArrayOrTensor:
        return grad / _formula.mul_scalar(x, float(np.log(10.0)))


class Log1p(_Elementwise, node_name="Log1PBackward0"):
    aten_name = "aten::log1p"
    compute = staticmethod(np.log1p)

    @staticmethod
    def derivative(x: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.reciprocal(x + 1)

    @staticmethod
    def gradient(grad: ArrayOrTensor, x: ArrayOrTensor) -> ArrayOrTensor:
        return grad / _formula.add_scalar(x, 1)


class Sin(_Elementwise, node_name="SinBackward0"):
    aten_name = "aten::sin"
    shows_forward = "result = sin(self)"
    shows_sends = ("grad * cos(self)",)
    compute = staticmethod(np.sin)

    @staticmethod
    def derivative(x: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.cos(x)  # (sin x)' = cos x


class Cos(_Elementwise, node_name="CosBackward0"):
    aten_name = "aten::cos"
    shows_forward = "result = cos(self)"
    shows_sends = ("-grad * sin(self)",)
    compute = staticmethod(np.cos)

    @staticmethod
    def derivative(x: ArrayOrTensor) -> ArrayOrTensor:
        return -_formula.sin(x)  # (cos x)' = -sin x


class Tan(_Elementwise, node_name="TanBackward0"):
    aten_name = "aten::tan"
    shows_forward = "result = tan(self)"
    shows_sends = ("grad * (1 + result²)",)
    saved_names = ("result",)
    compute = staticmethod(np.tan)

    @staticmethod
    def derivative(result: ArrayOrTensor) -> ArrayOrTensor:
        return result * result + 1  # (tan x)' = 1 + tan² x


class Sinh(_Elementwise, node_name="SinhBackward0"):
    aten_name = "aten::sinh"
    compute = staticmethod(np.sinh)

    @staticmethod
    def derivative(x: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.cosh(x)


class Cosh(_Elementwise, node_name="CoshBackward0"):
    aten_name = "aten::cosh"
    compute = staticmethod(np.cosh)

    @staticmethod
    def derivative(x: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.sinh(x)


class Atan(_Elementwise, node_name="AtanBackward0"):
    aten_name = "aten::atan"
    compute = staticmethod(np.arctan)

    @staticmethod
    def derivative(x: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.reciprocal(x * x + 1)


class Tanh(_Elementwise, node_name="TanhBackward0"):
    aten_name = "aten::tanh"
    shows_forward = "result = tanh(self)"
    shows_sends = ("grad * (1 - result²)",)
    saved_names = ("result",)
    compute = staticmethod(np.tanh)

    @staticmethod
    def derivative(result: ArrayOrTensor) -> ArrayOrTensor:
        return 1 - result * result  # (tanh x)' = 1 - tanh² x

    @staticmethod
    def gradient(grad: ArrayOrTensor, result: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.tanh_backward(grad, result)


class _ActivationBackward(Function):
    """An activation's backward as an op of its own, as PyTorch names it (`tanh_backward`):
    a function of the gradient and the saved output, so that a double backward records it.

    A subclass gives `compute` (the `_formula` function it is), the gradient for the output,
    and the output's slope for forward mode.
    """

    saved_names = ("grad_output", "output")
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True
    compute: ClassVar[Callable[[Any, Any], Any]]

    @staticmethod
    def output_gradient(grad: Tensor, grad_output: Tensor, output: Tensor) -> Tensor:
        raise NotImplementedError

    @staticmethod
    def output_slope(grad_output: Tensor, output: Tensor) -> Tensor:
        raise NotImplementedError

    @staticmethod
    def forward(ctx: BackwardFunction, grad: Tensor, output: Tensor) -> np.ndarray:
        ctx.save_for_backward(grad, output)
        return ctx._forward_cls.compute(grad._data, output._data)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> tuple[ArrayOrTensor, ArrayOrTensor]:
        grad_output, output = ctx.saved_tensors
        op = ctx._forward_cls
        return op.compute(grad, output), op.output_gradient(grad, grad_output, output)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_grad: Tensor | None, tangent_output: Tensor | None
            ) -> Tensor | None:
        grad_output, output = ctx.primal_inputs
        op = ctx._forward_cls
        tangent_grad, tangent_output = _fw.lift_operands(ctx, tangent_grad, tangent_output)
        return _fw.add_tangents(
            None if tangent_grad is None else op.compute(tangent_grad, output),
            None if tangent_output is None else tangent_output * op.output_slope(grad_output,
                                                                                 output))


class TanhBackward(_ActivationBackward, node_name="TanhBackwardBackward0"):
    """tanh's backward, PyTorch's `tanh_backward`: grad · (1 - y²)."""

    compute = staticmethod(_formula.tanh_backward)

    @staticmethod
    def output_gradient(grad: Tensor, grad_output: Tensor, output: Tensor) -> Tensor:
        return grad * (_formula.mul_scalar(output, -2.0) * grad_output)

    @staticmethod
    def output_slope(grad_output: Tensor, output: Tensor) -> Tensor:
        return -2.0 * output * grad_output


class Sigmoid(_Elementwise, node_name="SigmoidBackward0"):
    aten_name = "aten::sigmoid"
    shows_forward = "result = sigmoid(self)"
    shows_sends = ("grad * result * (1 - result)",)
    saved_names = ("result",)

    @staticmethod
    def compute(x: np.ndarray) -> np.ndarray:
        # exp(-|x|) never overflows; the two branches are the same function.
        z = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)

    @staticmethod
    def derivative(result: ArrayOrTensor) -> ArrayOrTensor:
        return result * (1 - result)  # σ' = σ(1 - σ)

    @staticmethod
    def gradient(grad: ArrayOrTensor, result: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.sigmoid_backward(grad, result)


class SigmoidBackward(_ActivationBackward, node_name="SigmoidBackwardBackward0"):
    """sigmoid's backward, PyTorch's `sigmoid_backward`: grad · (1 - y) · y."""

    compute = staticmethod(_formula.sigmoid_backward)

    @staticmethod
    def output_gradient(grad: Tensor, grad_output: Tensor, output: Tensor) -> Tensor:
        return grad * grad_output * _formula.add_scalar(_formula.mul_scalar(output, -2.0), 1)

    @staticmethod
    def output_slope(grad_output: Tensor, output: Tensor) -> Tensor:
        return grad_output * (1 - 2.0 * output)


class Relu(_Elementwise, node_name="ReluBackward0"):
    aten_name = "aten::relu"
    shows_forward = "result = relu(self)"
    shows_sends = ("grad * (result > 0)",)
    saved_names = ("result",)

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor) -> np.ndarray:
        data = x._data
        if type(data) is np.ndarray and data.dtype.kind == "f":
            # PyTorch's `x < 0 ? 0 : x`: NaN and -0.0 pass unchanged (np.maximum gives +0.0).
            result = _formula.zeroed_where(data, np.less(data, 0))
        else:
            result = np.maximum(data, data.dtype.type(0))  # an integer tensor stays integer
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        (result,) = ctx.saved_tensors
        # Selects rather than multiplies by a mask: an inf or NaN gradient where the input
        # was cut off does not leak through, and a double backward sees PyTorch's op.
        return _formula.threshold_backward(grad, result, 0)

    @staticmethod
    def derivative(result: ArrayOrTensor) -> ArrayOrTensor:
        return result > 0  # 1 where the input was positive, else 0


class ThresholdBackward(Function, node_name="ThresholdBackwardBackward0"):
    """relu's backward as an op of its own, PyTorch's `threshold_backward`: the gradient
    where the saved values exceed the threshold, else 0."""

    saved_names = ("self",)
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, grad: Tensor, saved: Tensor, threshold: float = 0
                ) -> np.ndarray:
        ctx.save_for_backward(saved)
        ctx._saved_threshold = threshold
        return _formula.threshold_backward(grad._data, saved._data, threshold)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> tuple[ArrayOrTensor, ArrayOrTensor]:
        (saved,) = ctx.saved_tensors
        # Linear in the gradient; flat in the saved values (almost everywhere).
        return (_formula.threshold_backward(grad, saved, ctx._saved_threshold),
                _formula.zeros_like(grad))

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_grad: Tensor | None, tangent_saved: Tensor | None
            ) -> Tensor | None:
        tangent_grad, _ = _fw.lift_operands(ctx, tangent_grad, tangent_saved)
        if tangent_grad is None:
            return None  # the saved values move nothing (almost everywhere)
        return where(ctx.primal_inputs[1] <= ctx._saved_threshold, 0.0, tangent_grad)


class Sqrt(_Elementwise, node_name="SqrtBackward0"):
    aten_name = "aten::sqrt"
    shows_forward = "result = sqrt(self)"
    shows_sends = ("grad / (2 * result)",)
    saved_names = ("result",)
    compute = staticmethod(np.sqrt)

    @staticmethod
    def derivative(result: ArrayOrTensor) -> ArrayOrTensor:
        return 0.5 / result  # (√x)' = 1 / (2√x)

    @staticmethod
    def gradient(grad: ArrayOrTensor, result: ArrayOrTensor) -> ArrayOrTensor:
        return grad / _formula.mul_scalar(result, 2)


class Rsqrt(_Elementwise, node_name="RsqrtBackward0"):
    aten_name = "aten::rsqrt"
    saved_names = ("result",)

    @staticmethod
    def compute(x: np.ndarray) -> np.ndarray:
        return 1 / np.sqrt(x)

    @staticmethod
    def derivative(result: ArrayOrTensor) -> ArrayOrTensor:
        return -0.5 * result * result * result

    @staticmethod
    def gradient(grad: ArrayOrTensor, result: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.mul_scalar(grad, -0.5) * _formula.pow_scalar(result, 3)


class Reciprocal(_Elementwise, node_name="ReciprocalBackward0"):
    aten_name = "aten::reciprocal"
    saved_names = ("result",)

    @staticmethod
    def compute(x: np.ndarray) -> np.ndarray:
        return 1 / x

    @staticmethod
    def derivative(result: ArrayOrTensor) -> ArrayOrTensor:
        return -(result * result)  # (1/x)' = -1/x²

    @staticmethod
    def gradient(grad: ArrayOrTensor, result: ArrayOrTensor) -> ArrayOrTensor:
        return -grad * (result * result)


class Abs(Function, node_name="AbsBackward0"):
    aten_name = "aten::abs"
    shows_forward = "result = |self|"
    shows_sends = ("grad * sign(self)",)
    saved_names = ("self",)
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.abs(x._data)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        (x,) = ctx.saved_tensors
        return grad * _formula.sgn(x)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return tangent * ctx.primal_inputs[0].sign()


class Neg(Function, node_name="NegBackward0"):
    aten_name = "aten::neg"
    shows_forward = "result = -self"
    shows_sends = ("-grad",)
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor) -> np.ndarray:
        return np.negative(x._data)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return -grad

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return -tangent


class _ZeroGradient(Function):
    """An op whose result does not change with its input: nothing flows back (or forward)."""

    _backward_on_arrays = True

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.zeros_like(grad)  # zeros even where the gradient is inf or NaN

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return _formula.zeros_like(tangent)


class _Piecewise(_ZeroGradient):
    """Steps such as sign and floor: flat almost everywhere, so the gradient is zero."""

    backward_broadcasts_over_batch = True

    @staticmethod
    def compute(x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor) -> np.ndarray:
        return ctx._forward_cls.compute(x._data)


def _sign(x: np.ndarray) -> np.ndarray:
    """-1, 0 or 1 by the sign; 0 for NaN, as PyTorch gives (a bool is its own sign)."""
    if x.dtype == np.bool_:
        return x.copy()
    signs = np.sign(x)
    return np.where(np.isnan(signs), signs.dtype.type(0), signs) if signs.dtype.kind == "f" \
        else signs


class Sign(_Piecewise, node_name="SignBackward0"):
    aten_name = "aten::sign"
    compute = staticmethod(_sign)


class Sgn(_Piecewise, node_name="SgnBackward0"):
    """The sign of a real tensor (PyTorch's `sgn`, which abs's backward uses)."""

    compute = staticmethod(_sign)


class Floor(_Piecewise, node_name="FloorBackward0"):
    aten_name = "aten::floor"
    compute = staticmethod(np.floor)


class Ceil(_Piecewise, node_name="CeilBackward0"):
    aten_name = "aten::ceil"
    compute = staticmethod(np.ceil)


class Round(_Piecewise, node_name="RoundBackward0"):
    aten_name = "aten::round"
    compute = staticmethod(np.round)


class Trunc(_Piecewise, node_name="TruncBackward0"):
    aten_name = "aten::trunc"
    compute = staticmethod(np.trunc)


# Binary ops ------------------------------------------------------------------


_NO_CONSTANTS = (None, None)


def _save_operands(ctx: BackwardFunction, a: Any, b: Any, keep_a: bool, keep_b: bool) -> None:
    """Save the operands a binary op's backward needs (`keep_a`, `keep_b`), and note which
    are numbers as `ctx.constants` (tensors there are None).

    A saved Python number stays a number, which the node shows as the 0-d tensor PyTorch
    wraps it in (`x * 2` shows `tensor(2)` as `_saved_other`); a second backward finds it
    freed, as in PyTorch. Backward computes with the number itself, from `constants`, so
    that it promotes no dtype.
    """
    if isinstance(a, Tensor) and isinstance(b, Tensor):  # the common case, kept short
        ctx.constants = _NO_CONSTANTS
        saved = (a if keep_a else None, b if keep_b else None)
        # `ctx._save_inputs(*saved)`, spelled out for two tensors: every op of the
        # profiler loop passes here.
        if ((a._counter is None or a._counter.value == 0)
                and (b._counter is None or b._counter.value == 0)
                and not graph._saved_hooks_open and not (a._is_inference or b._is_inference)):
            ctx._saved = saved
        else:
            ctx.to_save = saved
        return
    ctx._save_inputs(_saved_if(a, keep_a), _saved_if(b, keep_b))
    ctx.constants = (None if isinstance(a, Tensor) else a, None if isinstance(b, Tensor) else b)


def _saved_if(value: Any, needed: bool) -> Any:
    """`value` when it is needed, else None; a NumPy scalar becomes the 0-d tensor PyTorch
    wraps it in (nodes keep tensors and Python numbers only)."""
    if not needed:
        return None
    if isinstance(value, Tensor) or type(value) in (bool, int, float):
        return value
    return Tensor._wrap(np.asarray(value))


class Add(Function, node_name="AddBackward0"):
    aten_name = "aten::add"
    shows_forward = "result = self + alpha * other"
    shows_sends = ("grad", "grad * alpha")
    _scalar_inputs_are_edges = True
    _forward_on_arrays = True
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, a: Any, b: Any, alpha: float = 1) -> np.ndarray:
        x, y = operand_arrays(a, b)
        ctx._saved_alpha = alpha
        return x + y if alpha == 1 else exact.add_scaled(x, y, alpha)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> tuple[ArrayOrTensor, ArrayOrTensor]:
        # PyTorch's formula: grad, times alpha by the Scalar overload (MulBackward1).
        alpha = ctx._saved_alpha
        return grad, grad if alpha == 1 else _formula.mul_scalar(grad, alpha)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
            ) -> Tensor | None:
        tangent_a, tangent_b = _fw.lift_operands(ctx, tangent_a, tangent_b)
        if tangent_b is not None and ctx._saved_alpha != 1:
            tangent_b = tangent_b * ctx._saved_alpha
        return _fw.add_tangents(tangent_a, tangent_b)


def _negated_times_alpha(x: ArrayOrTensor, alpha: float) -> ArrayOrTensor:
    """-x · alpha as PyTorch's subtraction formulas write it: a negation, then the Scalar
    overload of mul (on tensors, a double backward's NegBackward0 and MulBackward1)."""
    return -x if alpha == 1 else _formula.mul_scalar(-x, alpha)


class Sub(Function, node_name="SubBackward0"):
    aten_name = "aten::sub"
    shows_forward = "result = self - alpha * other"
    shows_sends = ("grad", "-grad * alpha")
    _scalar_inputs_are_edges = True
    _forward_on_arrays = True
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, a: Any, b: Any, alpha: float = 1) -> np.ndarray:
        x, y = operand_arrays(a, b)
        ctx._saved_alpha = alpha
        return x - y if alpha == 1 else x - alpha * y

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> tuple[ArrayOrTensor, ArrayOrTensor]:
        return grad, _negated_times_alpha(grad, ctx._saved_alpha)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
            ) -> Tensor | None:
        tangent_a, tangent_b = _fw.lift_operands(ctx, tangent_a, tangent_b)
        if tangent_b is not None:
            tangent_b = -tangent_b if ctx._saved_alpha == 1 else tangent_b * -ctx._saved_alpha
        return _fw.add_tangents(tangent_a, tangent_b)


class Rsub(Function, node_name="RsubBackward1"):
    """`number - tensor`: the number is no input of the graph."""

    aten_name = "aten::rsub"
    shows_forward = "result = other - alpha * self"
    shows_sends = ("-grad * alpha",)

    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, other: Any = 0, alpha: float = 1) -> np.ndarray:
        a, b = operand_arrays(x, other)
        ctx._saved_alpha = alpha
        return b - a if alpha == 1 else b - alpha * a

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return _negated_times_alpha(grad, ctx._saved_alpha)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return -tangent if ctx._saved_alpha == 1 else tangent * -ctx._saved_alpha


class RsubTensor(Rsub, node_name="RsubBackward0"):
    """`other - alpha * tensor` of two tensors (`torch.rsub`): Rsub's forward, PyTorch's own
    node, with the inputs in the order they were given (both get a gradient)."""

    shows_sends = ("-grad * alpha", "grad")

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> tuple[ArrayOrTensor, ArrayOrTensor]:
        return _negated_times_alpha(grad, ctx._saved_alpha), grad

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_x: Tensor | None, tangent_other: Tensor | None
            ) -> Tensor | None:
        tangent_x, tangent_other = _fw.lift_operands(ctx, tangent_x, tangent_other)
        if tangent_x is not None:
            tangent_x = -tangent_x if ctx._saved_alpha == 1 else tangent_x * -ctx._saved_alpha
        return _fw.add_tangents(tangent_x, tangent_other)


class Mul(Function, node_name="MulBackward0"):
    aten_name = "aten::mul"
    shows_forward = "result = self * other"
    shows_sends = ("grad * other", "grad * self")
    _scalar_inputs_are_edges = True
    _forward_on_arrays = True
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True
    saved_names = ("self", "other")

    @staticmethod
    def forward(ctx: BackwardFunction, a: Any, b: Any) -> np.ndarray:
        x, y = operand_arrays(a, b)
        needs_a, needs_b = ctx.needs_input_grad
        if needs_a or needs_b:
            # d(ab)/da = b and d(ab)/db = a: keep only the factor a gradient needs.
            _save_operands(ctx, a, b, needs_b, needs_a)  # keep a, keep b
        return x * y

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor
                ) -> tuple[ArrayOrTensor | None, ArrayOrTensor | None]:
        a, b = ctx.saved_tensors
        const_a, const_b = ctx.constants
        needs_a, needs_b = ctx.needs_input_grad
        # A number operand multiplies as the number (a weak scalar: float32 stays float32).
        # The second input's first, as PyTorch's generated code (a double backward's order).
        grad_b = grad * (a if const_a is None else const_a) if needs_b else None
        grad_a = grad * (b if const_b is None else const_b) if needs_a else None
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
            ) -> Tensor | None:
        a, b = ctx.primal_inputs
        tangent_a, tangent_b = _fw.lift_operands(ctx, tangent_a, tangent_b)
        return _fw.add_tangents(None if tangent_a is None else tangent_a * b,
                            None if tangent_b is None else a * tangent_b)


class MulScalar(Function, node_name="MulBackward1"):
    """`tensor * number` as PyTorch's backward formulas call it (`mul(Tensor, Scalar)`): the
    number is no input of the graph, and a double backward shows MulBackward1."""

    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, other: float = 1.0) -> np.ndarray:
        ctx._saved_other = other
        return x._data * other

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.mul_scalar(grad, ctx._saved_other)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return tangent * ctx._saved_other


class DivScalar(Function, node_name="DivBackward1"):
    """`tensor / number` as PyTorch's backward formulas call it (`div(Tensor, Scalar)`)."""

    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, other: float = 1.0) -> np.ndarray:
        ctx._saved_other = other
        return x._data / other

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return _formula.div_scalar(grad, ctx._saved_other)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return tangent / ctx._saved_other


class SubScalar(Function, node_name="SubBackward1"):
    """`tensor - number` as PyTorch's backward formulas call it (`sub(Tensor, Scalar)`)."""

    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, other: float = 0.0) -> np.ndarray:
        return x._data - other

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        return grad

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return tangent


class AddScalar(SubScalar, node_name="AddBackward1"):
    """`tensor + number` as PyTorch's backward formulas call it (`add(Tensor, Scalar)`)."""

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, other: float = 0.0) -> np.ndarray:
        return x._data + other


class Div(Function, node_name="DivBackward0"):
    aten_name = "aten::div"
    shows_forward = "result = self / other"
    shows_sends = ("grad / other", "-grad * self / other²")
    _scalar_inputs_are_edges = True
    _forward_on_arrays = True
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True
    saved_names = ("self", "other")

    @staticmethod
    def forward(ctx: BackwardFunction, a: Any, b: Any) -> np.ndarray:
        x, y = operand_arrays(a, b, floating=True)
        needs_a, needs_b = ctx.needs_input_grad
        if needs_a or needs_b:
            _save_operands(ctx, a, b, needs_b, True)  # keep a, keep b
        return x / y

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor
                ) -> tuple[ArrayOrTensor | None, ArrayOrTensor | None]:
        a, b = ctx.saved_tensors
        const_a, const_b = ctx.constants
        needs_a, needs_b = ctx.needs_input_grad
        b = b if const_b is None else const_b
        # d(a/b)/db = -a/b², as PyTorch writes it: -grad * ((a / b) / b). PyTorch's generated
        # code computes it before d(a/b)/da = 1/b: a double backward runs in that order.
        grad_b = -grad * ((a if const_a is None else const_a) / b / b) if needs_b else None
        grad_a = grad / b if needs_a else None
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
            ) -> Tensor | None:
        b, result = ctx.primal_inputs[1], ctx.primal_outputs[0]
        tangent_a, tangent_b = _fw.lift_operands(ctx, tangent_a, tangent_b)
        # d(a/b) = da / b - db * (a/b) / b
        return _fw.add_tangents(None if tangent_a is None else tangent_a / b,
                            None if tangent_b is None else -tangent_b * result / b)


class PowTensorScalar(Function, node_name="PowBackward0"):
    """x ** p for a number p: d/dx = p x^(p-1)."""

    aten_name = "aten::pow"
    shows_forward = "result = self ** exponent"
    shows_sends = ("grad * exponent * self ** (exponent - 1)",)

    saved_names = ("self",)
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, exponent: float = 1) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx._saved_exponent = exponent
        base, _ = operand_arrays(x, exponent)
        return power_by_number(base, exponent)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        (x,) = ctx.saved_tensors
        p = ctx._saved_exponent
        if p == 0:
            return _formula.zeros_like(grad)  # zeros even where the gradient is inf or NaN
        p = float(p)  # PyTorch's formula computes in double: x.pow(2.0) * 3.0 for x ** 3
        return grad * _formula.mul_scalar(_formula.pow_scalar(x, p - 1), p)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        p = ctx._saved_exponent
        if p == 0:
            return _formula.zeros_like(tangent)
        return tangent * p * ctx.primal_inputs[0] ** (p - 1)


def power_by_number(base: Any, exponent: Any) -> Any:
    """`base ** exponent` for a number `exponent`, as PyTorch's kernel computes it: squares,
    cubes, reciprocals and (reciprocal) square roots exactly so (so (-inf) ** -0.5 is NaN),
    any other power of float32 in float64 with the exponent rounded to float32 (which
    agrees with PyTorch to the bit about 98% of the time, NumPy's float32 pow 80%)."""
    if base.dtype.kind != "f":
        return _power(base, exponent)
    value = float(exponent)
    by_products = _POWERS_BY_PRODUCTS.get(value)
    if by_products is not None:
        return by_products(base)  # (products raise no division or invalid flag to silence)
    with np.errstate(divide="ignore", invalid="ignore"):
        special = _SPECIAL_POWERS.get(value)
        if special is not None:
            return special(base)
        if base.dtype in (np.float32, np.float16):
            return _power_of_tensors(base, exponent)  # the exponent rounded to float32 first
    return _power(base, exponent)


_POWERS_BY_PRODUCTS: dict[float, Any] = {
    1.0: lambda x: x.copy(),  # x ** 1 is x itself (the backward of x ** 2 computes it)
    2.0: lambda x: x * x, 3.0: lambda x: x * x * x,
}
_SPECIAL_POWERS: dict[float, Any] = {
    0.5: np.sqrt, -0.5: lambda x: 1 / np.sqrt(x), -1.0: lambda x: 1 / x,
    -2.0: lambda x: 1 / (x * x),
}


def _power_of_tensors(base: Any, exponent: Any) -> Any:
    """`base ** exponent` as PyTorch's pow kernel computes it: a float32 result in float64,
    which agrees with PyTorch to the bit about 98% of the time (NumPy's float32 pow: 80%)."""
    result_dtype = np.result_type(*(x.dtype if backend.is_array(x) else x
                                    for x in (base, exponent)))
    if result_dtype in (np.float32, np.float16):
        # A number operand is first rounded to the result's dtype, as PyTorch wraps it.
        xp = backend.array_module(base if backend.is_array(base) else exponent)
        wide = np.power(*(xp.asarray(x, dtype=result_dtype).astype(np.float64)
                          for x in (base, exponent)))
        return wide.astype(result_dtype)
    return _power(base, exponent)


def _power(base: Any, exponent: Any) -> Any:
    """`base ** exponent` elementwise, as PyTorch computes it for integers to negative powers:
    an error for a number as exponent; from a tensor of exponents, the power truncated
    toward zero (0, except for bases 1 and -1)."""
    try:
        return np.power(base, exponent)
    except ValueError as error:  # NumPy's: "Integers to negative integer powers are not allowed."
        if np.ndim(exponent) == 0 and not isinstance(exponent, np.ndarray):
            raise RuntimeError(str(error)) from None
    negative = exponent < 0
    powers = np.power(base, np.where(negative, 0, exponent))
    sign_of_minus_one = np.where(exponent % 2 == 0, 1, -1)
    truncated = np.where(base == 1, 1, np.where(base == -1, sign_of_minus_one, 0))
    return np.where(negative, truncated, powers).astype(powers.dtype)


class PowTensorTensor(Function, node_name="PowBackward1"):
    """a ** b for tensors: d/da = b a^(b-1), d/db = a^b ln a."""

    aten_name = "aten::pow"
    shows_forward = "result = self ** exponent"
    shows_sends = ("grad * exponent * self ** (exponent - 1)", "grad * result * log(self)")

    saved_names = ("self", "exponent", "result")
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, a: Tensor, b: Tensor) -> np.ndarray:
        x, y = operand_arrays(a, b)
        result = _power_of_tensors(x, y)
        ctx.save_for_backward(a, b, result)
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor
                ) -> tuple[ArrayOrTensor | None, ArrayOrTensor | None]:
        a, b, result = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        grad_a = grad_b = None
        # The exponent's first, as PyTorch's generated code: a double backward runs in order.
        if needs_b:
            # 0 ** b contributes nothing for b >= 0 (PyTorch selects 0 over the -inf of ln 0).
            grad_b = grad * _formula.where((a == 0) & (b >= 0), 0.0, result * _formula.log(a))
        if needs_a:
            # b a^(b-1) is 0 · inf at a = 0, b = 0: PyTorch selects 0 there.
            power = _formula.pow_tensors(a, _formula.sub_scalar(b, 1))
            grad_a = _formula.where(b == 0, 0.0, grad * (b * power))
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
            ) -> Tensor | None:
        a, b = ctx.primal_inputs
        result = ctx.primal_outputs[0]
        tangent_a, tangent_b = _fw.lift_operands(ctx, tangent_a, tangent_b)
        term_b = None
        if tangent_b is not None:
            term_b = tangent_b * result * where((a == 0) & (b >= 0), 0.0, a.log())
        return _fw.add_tangents(None if tangent_a is None else tangent_a * b * a ** (b - 1), term_b)


class PowScalarTensor(Function, node_name="PowBackward2"):
    """c ** x for a number c: d/dx = c^x ln c."""

    aten_name = "aten::pow"

    saved_names = ("exponent", "result")
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, exponent: Tensor, base: float = 1) -> np.ndarray:
        ctx._saved_self = base
        b, e = operand_arrays(base, exponent)
        # Contiguous whatever the exponent's strides, as PyTorch's result is.
        result = backend.contiguous(_power_of_tensors(b, e))
        ctx.save_for_backward(exponent, result)
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        exponent, result = ctx.saved_tensors
        base = ctx._saved_self
        if base == 0:
            # ln 0 = -inf: 0 ** x has slope 0 for x >= 0 and -inf below, as PyTorch selects.
            with np.errstate(invalid="ignore"):  # 0 · -inf where the selection drops it
                slope = _formula.mul_scalar(result, -math.inf)
            return grad * _formula.where(exponent >= 0, 0.0, slope)
        return grad * _formula.mul_scalar(result, math.log(base))  # a number: MulBackward1

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        exponent, result = ctx.primal_inputs[0], ctx.primal_outputs[0]
        base = ctx._saved_self
        if base == 0:
            return tangent * where(exponent >= 0, 0.0, _zero_base_slope(exponent))
        return tangent * (result * math.log(base))


def _zero_base_slope(exponent: Any) -> Any:
    """d(0^x)/dx = 0^x ln 0 where x < 0: inf · -inf = -inf (NaN stays NaN), without computing
    the 0 · -inf that the selection would drop anyway."""
    return _formula.where(exponent < 0, -math.inf, exponent)


class _Pick(Function):
    """The larger (or smaller) of two tensors: the winner takes the gradient; a tie splits it."""

    _scalar_inputs_are_edges = True
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True
    saved_names = ("self", "other")
    compute = staticmethod(np.maximum)
    wins = staticmethod(operator.gt)  # does `a` win over `b`?

    @staticmethod
    def forward(ctx: BackwardFunction, a: Tensor, b: Tensor) -> np.ndarray:
        x, y = operand_arrays(a, b)
        ctx.save_for_backward(a, b)
        return ctx._forward_cls.compute(x, y)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor
                ) -> tuple[ArrayOrTensor | None, ArrayOrTensor | None]:
        a, b = ctx.saved_tensors
        wins = ctx._forward_cls.wins
        needs_a, needs_b = ctx.needs_input_grad
        # Selected, not multiplied by 0/1 masks: an inf gradient stays off the loser.
        # Each input's share of the gradient is computed whole, the second input's first, as in
        # PyTorch's generated code (a double backward's order).
        grad_b = grad_a = None
        if needs_b:
            grad_b = _formula.masked_fill(
                _formula.where(a == b, _formula.div_scalar(grad, 2), grad), wins(a, b), 0.0)
        if needs_a:
            grad_a = _formula.masked_fill(
                _formula.where(a == b, _formula.div_scalar(grad, 2), grad), wins(b, a), 0.0)
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
            ) -> Tensor | None:
        a, b = ctx.primal_inputs
        return _winner_tangent(ctx, tangent_a, tangent_b, ctx._forward_cls.wins(a, b))


class Maximum(_Pick, node_name="MaximumBackward0"):
    aten_name = "aten::maximum"
    shows_forward = "result = maximum(self, other)"
    shows_sends = ("@rule.self_larger", "@rule.other_larger")
    compute = staticmethod(np.maximum)
    wins = staticmethod(operator.gt)


class Minimum(_Pick, node_name="MinimumBackward0"):
    aten_name = "aten::minimum"
    compute = staticmethod(np.minimum)
    wins = staticmethod(operator.lt)


class Clamp(Function, node_name="ClampBackward1"):
    """Clip to [min, max]: the gradient passes where the input was inside."""

    aten_name = "aten::clamp"

    saved_names = ("self",)
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True
    bound_names: tuple[str, ...] = ("min", "max")  # the bounds the node keeps, as PyTorch's

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, min: float | None = None,
                max: float | None = None) -> np.ndarray:
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        ctx.save_for_backward(x)
        bounds = {"min": min, "max": max}
        for name in ctx._forward_cls.bound_names:
            setattr(ctx, f"_saved_{name}", bounds[name])
        # An integer tensor clamped to float bounds is float, as PyTorch promotes.
        target = result_dtype(x, *[bound for bound in (min, max) if bound is not None])
        data = x._data if x._data.dtype == target else x._data.astype(target)
        if min is not None:
            data = np.maximum(data, target.type(min))
        if max is not None:
            data = np.minimum(data, target.type(max))
        return data

    @staticmethod
    def inside(ctx: BackwardFunction, x: Any) -> Any:
        """Where `x` lies within the bounds (NaN lies nowhere)."""
        low, high = getattr(ctx, "_saved_min", None), getattr(ctx, "_saved_max", None)
        if low is not None and high is not None:
            return (x >= low) & (x <= high)
        return x >= low if low is not None else x <= high

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> ArrayOrTensor:
        (x,) = ctx.saved_tensors
        # Selects (PyTorch's clamp_backward): a NaN or inf gradient outside stays outside.
        return _formula.where(Clamp.inside(ctx, x), grad, 0.0)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        inside = Clamp.inside(ctx, ctx.primal_inputs[0]._data)
        return where(Tensor._wrap(backend.as_array(inside)), tangent, 0.0)


class ClampMin(Clamp, node_name="ClampMinBackward0"):
    aten_name = "aten::clamp_min"
    bound_names = ("min",)


class ClampMax(Clamp, node_name="ClampMaxBackward0"):
    aten_name = "aten::clamp_max"
    bound_names = ("max",)


class ClampTensor(Function, node_name="ClampBackward0"):
    """Clip to tensor bounds [min, max] (broadcast): each element's gradient goes to the input
    inside the bounds, else to the bound that clipped it, as PyTorch's clamp_backward_min_max."""

    _scalar_inputs_are_edges = True  # an absent bound is a (None, 0) entry, as in PyTorch
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True
    saved_names = ("self", "min", "max")

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, min: Tensor | None, max: Tensor | None
                ) -> np.ndarray:
        ctx.save_for_backward(x, min, max)
        target = result_dtype(*[t for t in (x, min, max) if t is not None])
        data = x._data.astype(target, copy=False)
        if min is not None:
            data = np.maximum(data, min._data.astype(target, copy=False))
        if max is not None:
            data = np.minimum(data, max._data.astype(target, copy=False))
        return data

    @staticmethod
    def selections(x: Any, low: Any, high: Any) -> tuple[Any, Any, Any]:
        """Where the result is the input, the lower bound and the upper bound (None for an
        absent bound); where min > max, max wins."""
        if low is not None and high is not None:
            return (x >= low) & (x <= high), (x < low) & (low < high), (x > high) | (high < low)
        if low is not None:
            return x >= low, x < low, None
        return x <= high, None, x > high

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> tuple[ArrayOrTensor | None, ...]:
        x, low, high = ctx.saved_tensors
        masks = ClampTensor.selections(x, low, high)
        return tuple([_formula.where(mask, grad, 0.0) if needed else None
                      for mask, needed in zip(masks, ctx.needs_input_grad)])

    @staticmethod
    def jvp(ctx: BackwardFunction, *tangents: Tensor | None) -> Tensor | None:
        primals = ctx.primal_inputs
        ndim = ctx.primal_outputs[0].ndim
        masks = ClampTensor.selections(*primals)
        return _fw.add_tangents(*[
            None if tangent is None else where(mask, _fw.lift(tangent, primal, ndim), 0.0)
            for tangent, primal, mask in zip(tangents, primals, masks)])


class Where(Function, node_name="WhereBackward0"):
    """Pick from `a` where the condition holds, else from `b`."""

    aten_name = "aten::where"

    _scalar_inputs_are_edges = True
    _backward_on_arrays = True
    backward_broadcasts_over_batch = True
    saved_names = ("condition",)

    @staticmethod
    def forward(ctx: BackwardFunction, a: Any, b: Any, condition: Tensor | None = None
                ) -> np.ndarray:
        x, y = operand_arrays(a, b)
        ctx.save_for_backward(condition)
        ctx._condition = condition  # for jvp, which runs whether or not a node is recorded
        return np.where(condition._data, x, y)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor
                ) -> tuple[ArrayOrTensor | None, ArrayOrTensor | None]:
        (condition,) = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        # The second input's first, as PyTorch's generated code (a double backward's order).
        grad_b = _formula.where(condition, 0.0, grad) if needs_b else None
        grad_a = _formula.where(condition, grad, 0.0) if needs_a else None
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
            ) -> Tensor:
        tangent_a, tangent_b = _fw.lift_operands(ctx, tangent_a, tangent_b)
        return where(ctx._condition, 0.0 if tangent_a is None else tangent_a,
                     0.0 if tangent_b is None else tangent_b)


class MaskedFill(Function, node_name="MaskedFillBackward0"):
    """Replace the elements where `mask` holds by `value`; they get no gradient."""

    aten_name = "aten::masked_fill"

    saved_names = ("mask",)

    backward_broadcasts_over_batch = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, mask: Tensor | None = None,
                value: float = 0.0) -> np.ndarray:
        ctx.save_for_backward(mask)
        ctx._mask = mask  # for jvp, which runs whether or not a node is recorded
        return np.where(mask._data, x._data.dtype.type(value), x._data)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        (mask,) = ctx.saved_tensors
        return masked_fill(grad, mask, 0.0)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return masked_fill(tangent, ctx._mask, 0.0)


class MaskedFillWithTensor(Function, node_name="MaskedFillBackward1"):
    """`masked_fill` with a 0-d tensor as the value, which gets the summed gradient of the
    places it fills (how PyTorch's max() shares its gradient among ties)."""

    saved_names = ("mask",)

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, value: Tensor, mask: Tensor | None = None
                ) -> np.ndarray:
        ctx.save_for_backward(mask)
        ctx._mask = mask
        return np.where(mask._data, value._data.astype(x._data.dtype), x._data)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        (mask,) = ctx.saved_tensors
        return masked_fill(grad, mask, 0.0), where(mask, grad, 0.0).sum()

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        """`backward` for a batch of gradients: the value's sum is taken row by row."""
        (mask,) = ctx.saved_tensors
        filled = where(mask, grad, 0.0)
        per_row = filled.flatten(1).sum(1) if filled.ndim > 1 else filled
        return masked_fill(grad, mask, 0.0), per_row

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_x: Tensor | None, tangent_value: Tensor | None
            ) -> Tensor | None:
        tangent_x, tangent_value = _fw.lift_operands(ctx, tangent_x, tangent_value)
        kept = None if tangent_x is None else masked_fill(tangent_x, ctx._mask, 0.0)
        filled = None if tangent_value is None else where(ctx._mask, tangent_value, 0.0)
        return _fw.add_tangents(kept, filled)


def _winner_tangent(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None,
                    a_wins: Tensor) -> Tensor | None:
    """Tangent of maximum/minimum: the winner's, or on a tie the mean, as backward splits."""
    a, b = ctx.primal_inputs
    dtype = ctx.primal_outputs[0].dtype
    share_a = a_wins.to(dtype) + (a == b).to(dtype) * 0.5
    tangent_a, tangent_b = _fw.lift_operands(ctx, tangent_a, tangent_b)
    return _fw.add_tangents(None if tangent_a is None else tangent_a * share_a,
                        None if tangent_b is None else tangent_b * (1 - share_a))


# Functions -------------------------------------------------------------------


@checks_argument_types()
def add(input: Tensor | Number, other: Tensor | Number, *, alpha: Number = 1) -> Tensor:
    """input + alpha * other, broadcasting."""
    return Add.apply(input, other, alpha=alpha)


_MASK_HINT = ("If you are trying to invert a mask, use the `~` or `logical_not()` operator "
              "instead.")


def _is_bool(value: Tensor | Number) -> bool:
    return value._data.dtype.kind == "b" if isinstance(value, Tensor) else isinstance(
        value, (bool, np.bool_))


def _check_no_bool_subtraction(input: Tensor | Number, other: Tensor | Number) -> None:
    """PyTorch refuses `-` with a bool on either side: it is usually a mask meant inverted."""
    if _is_bool(input) and _is_bool(other):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if _is_bool(input) or _is_bool(other):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           + _MASK_HINT)


@checks_argument_types()
def sub(input: Tensor | Number, other: Tensor | Number, *, alpha: Number = 1) -> Tensor:
    """input - alpha * other, broadcasting."""
    _check_no_bool_subtraction(input, other)
    if not isinstance(input, Tensor):
        return Rsub.apply(other, other=input, alpha=alpha)
    return Sub.apply(input, other, alpha=alpha)


subtract = sub


@checks_argument_types("(Tensor input, Tensor other, *, Number alpha = 1)",
                       "(Tensor input, Number other, Number alpha = 1)")
def rsub(input: Tensor, other: Tensor | Number, *, alpha: Number = 1) -> Tensor:
    """other - alpha * input."""
    _check_no_bool_subtraction(input, other)
    if isinstance(other, Tensor):
        return RsubTensor.apply(input, other, alpha=alpha)
    return Rsub.apply(input, other=other, alpha=alpha)


@checks_argument_types()
def mul(input: Tensor | Number, other: Tensor | Number) -> Tensor:
    """Elementwise product, broadcasting."""
    return Mul.apply(input, other)


multiply = mul


@checks_argument_types()
def div(input: Tensor | Number, other: Tensor | Number, *, rounding_mode: str | None = None
        ) -> Tensor:
    """Elementwise true division, broadcasting."""
    if rounding_mode is not None:
        raise NotImplementedError("div(rounding_mode=...) is not supported by minigrad")
    if not isinstance(input, Tensor):
        return Mul.apply(reciprocal(other), input)
    return Div.apply(input, other)


divide = true_divide = div


@checks_argument_types("(Tensor input, Tensor exponent, *, Tensor out = None)",
                       "(Number self, Tensor exponent, *, Tensor out = None)",
                       "(Tensor input, Number exponent, *, Tensor out = None)")
def pow(input: Tensor | Number, exponent: Tensor | Number) -> Tensor:
    """input ** exponent, where either may be a number."""
    if _is_bool(input) and isinstance(exponent, Tensor) and _is_bool(exponent):
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if isinstance(input, Tensor) and isinstance(exponent, Tensor):
        return PowTensorTensor.apply(input, exponent)
    if isinstance(input, Tensor):
        negative_int = isinstance(exponent, (int, np.integer)) and exponent < 0
        if negative_int and input._data.dtype.kind in "biu":  # even with no elements to raise
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return PowTensorScalar.apply(input, exponent=exponent)
    return PowScalarTensor.apply(exponent, base=input)


@checks_argument_types()
def square(input: Tensor) -> Tensor:
    """input ** 2 (recorded as PyTorch records it, PowBackward0)."""
    return PowTensorScalar.apply(input, exponent=2)


@checks_argument_types()
def maximum(input: Tensor, other: Tensor) -> Tensor:
    """The larger of two tensors, elementwise; a tie splits the gradient."""
    return Maximum.apply(input, other)


@checks_argument_types()
def minimum(input: Tensor, other: Tensor) -> Tensor:
    """The smaller of two tensors, elementwise; a tie splits the gradient."""
    return Minimum.apply(input, other)


@checks_argument_types(
    "(Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)",
    "(Tensor input, Number min = None, Number max = None, *, Tensor out = None)")
def clamp(input: Tensor, min: Tensor | Number | None = None,
          max: Tensor | Number | None = None) -> Tensor:
    """Clip each element into [min, max]."""
    min_is_tensor, max_is_tensor = isinstance(min, Tensor), isinstance(max, Tensor)
    if (min_is_tensor or min is None) and (max_is_tensor or max is None) and (
            min_is_tensor or max_is_tensor):
        return ClampTensor.apply(input, min, max)
    # A number with a tensor: PyTorch takes the tensor's one value as a number.
    return Clamp.apply(input, min=min.item() if min_is_tensor else min,
                       max=max.item() if max_is_tensor else max)


clip = clamp


@checks_argument_types()
def clamp_min(input: Tensor, min: Number) -> Tensor:
    """Raise each element to at least `min`."""
    return ClampMin.apply(input, min=min)


@checks_argument_types()
def clamp_max(input: Tensor, max: Number) -> Tensor:
    """Lower each element to at most `max`."""
    return ClampMax.apply(input, max=max)


@checks_argument_types("(Tensor condition)",
                       "(Tensor condition, Tensor input, Tensor other, *, Tensor out = None)",
                       "(Tensor condition, Number self, Tensor other)",
                       "(Tensor condition, Tensor input, Number other)",
                       "(Tensor condition, Number self, Number other)")
def where(condition: Tensor, input: Tensor | Number, other: Tensor | Number) -> Tensor:
    """Elements of `input` where `condition` holds, else of `other`."""
    if condition._data.dtype != np.bool_:
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {scalar_type_name(condition._data.dtype)}")
    arrays = [t._data for t in (condition, input, other) if isinstance(t, Tensor)]
    if len({type(array) for array in arrays}) > 1:
        backend.check_same_device(*arrays)  # PyTorch's error for tensors on two devices
    return Where.apply(input, other, condition=condition)


@checks_argument_types("(Tensor input, Tensor mask, Tensor value)",
                       "(Tensor input, Tensor mask, Number value)")
def masked_fill(input: Tensor, mask: Tensor, value: Tensor | Number) -> Tensor:
    """A copy of `input` with `value` where `mask` is True; a 0-d tensor `value` gets the
    gradient of the places it fills."""
    if isinstance(value, Tensor):
        if value.dim():
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.dim()} dimension(s).")
        return MaskedFillWithTensor.apply(input, value, mask=mask)
    return MaskedFill.apply(input, mask=mask, value=value)


# PyTorch's errors for one-input ops that have no kernel for bool tensors.
_BOOL_REFUSALS: dict[str, tuple[type[Exception], str]] = {
    "relu": (RuntimeError, "Boolean inputs not supported for relu"),
    "neg": (RuntimeError, "Negation, the `-` operator, on a bool tensor is not supported. "
            + _MASK_HINT),
    "abs": (NotImplementedError, "\"abs_cpu\" not implemented for 'Bool'"),
    **{name: (NotImplementedError, f"\"{name}_vml_cpu\" not implemented for 'Bool'")
       for name in ("floor", "ceil", "round", "trunc")},
}


def _unary(function: type[Function], name: str) -> Any:
    """The public function of a one-input op: `input` must be a tensor."""
    refusal = _BOOL_REFUSALS.get(name)

    def op(input: Tensor) -> Tensor:
        if refusal is not None and input._data.dtype == np.bool_:
            raise refusal[0](refusal[1])
        return function.apply(input)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name}, differentiable."
    return checks_argument_types()(op)


exp = _unary(Exp, "exp")
exp2 = _unary(Exp2, "exp2")
expm1 = _unary(Expm1, "expm1")
log = _unary(Log, "log")
log2 = _unary(Log2, "log2")
log10 = _unary(Log10, "log10")
log1p = _unary(Log1p, "log1p")
sin = _unary(Sin, "sin")
cos = _unary(Cos, "cos")
tan = _unary(Tan, "tan")
sinh = _unary(Sinh, "sinh")
cosh = _unary(Cosh, "cosh")
atan = _unary(Atan, "atan")
arctan = atan
tanh = _unary(Tanh, "tanh")
sigmoid = _unary(Sigmoid, "sigmoid")
relu = _unary(Relu, "relu")
sqrt = _unary(Sqrt, "sqrt")
rsqrt = _unary(Rsqrt, "rsqrt")
reciprocal = _unary(Reciprocal, "reciprocal")
abs = _unary(Abs, "abs")
absolute = abs
neg = _unary(Neg, "neg")
negative = neg
sign = _unary(Sign, "sign")
sgn = _unary(Sgn, "sgn")
floor = _unary(Floor, "floor")
ceil = _unary(Ceil, "ceil")
round = _unary(Round, "round")
trunc = _unary(Trunc, "trunc")


# Comparisons and logic: results are bool tensors outside the graph -------------


def _compare(ufunc: np.ufunc, name: str) -> Any:
    def op(input: Tensor | Number, other: Tensor | Number) -> Tensor:
        x, y = operand_arrays(input, other)
        return Tensor._wrap(backend.as_array(ufunc(x, y)))

    op.__name__ = op.__qualname__ = name
    return checks_argument_types("(Tensor input, Tensor other, *, Tensor out = None)",
                                 "(Tensor input, Number other, *, Tensor out = None)")(op)


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
logical_and = _compare(np.logical_and, "logical_and")
logical_or = _compare(np.logical_or, "logical_or")
logical_xor = _compare(np.logical_xor, "logical_xor")
bitwise_and = _compare(np.bitwise_and, "bitwise_and")
bitwise_or = _compare(np.bitwise_or, "bitwise_or")
bitwise_xor = _compare(np.bitwise_xor, "bitwise_xor")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _elementwise_test(ufunc: np.ufunc, name: str) -> Any:
    """A one-input op outside the graph (`isnan`): a bool tensor, 0-d ones included (NumPy
    gives a scalar for those)."""

    def op(input: Tensor) -> Tensor:
        return Tensor._wrap(backend.as_array(ufunc(input._data)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name}, a bool tensor outside the graph."
    return op


logical_not = _elementwise_test(np.logical_not, "logical_not")
isnan = _elementwise_test(np.isnan, "isnan")
isinf = _elementwise_test(np.isinf, "isinf")
isfinite = _elementwise_test(np.isfinite, "isfinite")


def bitwise_not(input: Tensor) -> Tensor:
    if input._data.dtype.kind == "f":
        raise TypeError("bitwise_not_cpu not implemented for 'Float'")
    return Tensor._wrap(backend.as_array(np.invert(input._data)))


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and values."""
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    return Tensor._wrap(backend.as_array(np.isclose(input._data, other._data, rtol=rtol,
                                                    atol=atol, equal_nan=equal_nan)))


# The public functions this module defines; the Function classes stay in `ops.pointwise`.
__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and not isinstance(value, type)
           and getattr(value, "__module__", None) == __name__]
