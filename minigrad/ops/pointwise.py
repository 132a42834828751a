"""Element-by-element ops: each forward formula with its derivative beside it."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from minigrad import backend
from minigrad._tensor import Tensor
from minigrad.autograd import forward_ad as _fw
from minigrad.autograd.function import BackwardFunction, Function
from minigrad.ops import _dual
from minigrad.ops._util import floating_data, operand_arrays

# Unary ops -------------------------------------------------------------------


class _Elementwise(Function):
    """y = f(x) for each element; backward multiplies the gradient by f'(x).

    A subclass gives `compute` (NumPy) and `derivative`, written with
    operators and `_dual` functions so that it works on arrays and on tensors,
    from what it saved: its input `x` (saved_names = ("self",)) or its
    result `y` (saved_names = ("result",)), whichever PyTorch keeps.
    """

    saved_names: tuple[str, ...] = ("self",)
    _backward_on_arrays = True

    @staticmethod
    def compute(x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def derivative(saved: Tensor) -> Tensor:
        raise NotImplementedError

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor) -> np.ndarray:
        op = ctx._forward_cls
        result = op.compute(floating_data(x))
        ctx.save_for_backward(x if op.saved_names == ("self",) else result)
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        (saved,) = ctx.saved_tensors
        return grad * ctx._forward_cls.derivative(saved)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        op = ctx._forward_cls
        saved = ctx.primal_inputs[0] if op.saved_names == ("self",) else ctx.primal_outputs[0]
        return tangent * op.derivative(saved)


class Exp(_Elementwise, node_name="ExpBackward0"):
    saved_names = ("result",)
    compute = staticmethod(np.exp)

    @staticmethod
    def derivative(result: Tensor) -> Tensor:
        return result  # (e^x)' = e^x


class Exp2(_Elementwise, node_name="Exp2Backward0"):
    saved_names = ("result",)
    compute = staticmethod(np.exp2)

    @staticmethod
    def derivative(result: Tensor) -> Tensor:
        return result * float(np.log(2.0))


class Expm1(_Elementwise, node_name="Expm1Backward0"):
    saved_names = ("result",)
    compute = staticmethod(np.expm1)

    @staticmethod
    def derivative(result: Tensor) -> Tensor:
        return result + 1


class Log(_Elementwise, node_name="LogBackward0"):
    compute = staticmethod(np.log)

    @staticmethod
    def derivative(x: Tensor) -> Tensor:
        return _dual.reciprocal(x)  # (ln x)' = 1/x


class Log2(_Elementwise, node_name="Log2Backward0"):
    compute = staticmethod(np.log2)

    @staticmethod
    def derivative(x: Tensor) -> Tensor:
        return _dual.reciprocal(x * float(np.log(2.0)))


class Log10(_Elementwise, node_name="Log10Backward0"):
    compute = staticmethod(np.log10)

    @staticmethod
    def derivative(x: Tensor) -> Tensor:
        return _dual.reciprocal(x * float(np.log(10.0)))


class Log1p(_Elementwise, node_name="Log1PBackward0"):
    compute = staticmethod(np.log1p)

    @staticmethod
    def derivative(x: Tensor) -> Tensor:
        return _dual.reciprocal(x + 1)


class Sin(_Elementwise, node_name="SinBackward0"):
    compute = staticmethod(np.sin)

    @staticmethod
    def derivative(x: Tensor) -> Tensor:
        return _dual.cos(x)  # (sin x)' = cos x


class Cos(_Elementwise, node_name="CosBackward0"):
    compute = staticmethod(np.cos)

    @staticmethod
    def derivative(x: Tensor) -> Tensor:
        return -_dual.sin(x)  # (cos x)' = -sin x


class Tan(_Elementwise, node_name="TanBackward0"):
    saved_names = ("result",)
    compute = staticmethod(np.tan)

    @staticmethod
    def derivative(result: Tensor) -> Tensor:
        return result * result + 1  # (tan x)' = 1 + tan² x


class Sinh(_Elementwise, node_name="SinhBackward0"):
    compute = staticmethod(np.sinh)

    @staticmethod
    def derivative(x: Tensor) -> Tensor:
        return _dual.cosh(x)


class Cosh(_Elementwise, node_name="CoshBackward0"):
    compute = staticmethod(np.cosh)

    @staticmethod
    def derivative(x: Tensor) -> Tensor:
        return _dual.sinh(x)


class Atan(_Elementwise, node_name="AtanBackward0"):
    compute = staticmethod(np.arctan)

    @staticmethod
    def derivative(x: Tensor) -> Tensor:
        return _dual.reciprocal(x * x + 1)


class Tanh(_Elementwise, node_name="TanhBackward0"):
    saved_names = ("result",)
    compute = staticmethod(np.tanh)

    @staticmethod
    def derivative(result: Tensor) -> Tensor:
        return 1 - result * result  # (tanh x)' = 1 - tanh² x


class Sigmoid(_Elementwise, node_name="SigmoidBackward0"):
    saved_names = ("result",)

    @staticmethod
    def compute(x: np.ndarray) -> np.ndarray:
        # exp(-|x|) never overflows; the two branches are the same function.
        z = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)

    @staticmethod
    def derivative(result: Tensor) -> Tensor:
        return result * (1 - result)  # σ' = σ(1 - σ)


class Relu(_Elementwise, node_name="ReluBackward0"):
    saved_names = ("result",)

    @staticmethod
    def compute(x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0)

    @staticmethod
    def derivative(result: Tensor) -> Tensor:
        return result > 0  # 1 where the input was positive, else 0


class Sqrt(_Elementwise, node_name="SqrtBackward0"):
    saved_names = ("result",)
    compute = staticmethod(np.sqrt)

    @staticmethod
    def derivative(result: Tensor) -> Tensor:
        return 0.5 / result  # (√x)' = 1 / (2√x)


class Rsqrt(_Elementwise, node_name="RsqrtBackward0"):
    saved_names = ("result",)

    @staticmethod
    def compute(x: np.ndarray) -> np.ndarray:
        return 1 / np.sqrt(x)

    @staticmethod
    def derivative(result: Tensor) -> Tensor:
        return -0.5 * result * result * result


class Reciprocal(_Elementwise, node_name="ReciprocalBackward0"):
    saved_names = ("result",)

    @staticmethod
    def compute(x: np.ndarray) -> np.ndarray:
        return 1 / x

    @staticmethod
    def derivative(result: Tensor) -> Tensor:
        return -(result * result)  # (1/x)' = -1/x²


class Abs(Function, node_name="AbsBackward0"):
    saved_names = ("self",)
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.abs(x._data)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * _dual.sign(x)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return tangent * ctx.primal_inputs[0].sign()


class Neg(Function, node_name="NegBackward0"):
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor) -> np.ndarray:
        return np.negative(x._data)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        return -grad

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return -tangent


class _ZeroGradient(Function):
    """An op whose result does not change with its input: nothing flows back (or forward)."""

    _backward_on_arrays = True

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        return grad * 0

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return tangent * 0


class _Piecewise(_ZeroGradient):
    """Steps such as sign and floor: flat almost everywhere, so the gradient is zero."""

    @staticmethod
    def compute(x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor) -> np.ndarray:
        return ctx._forward_cls.compute(x._data)


class Sign(_Piecewise, node_name="SignBackward0"):
    compute = staticmethod(np.sign)


class Floor(_Piecewise, node_name="FloorBackward0"):
    compute = staticmethod(np.floor)


class Ceil(_Piecewise, node_name="CeilBackward0"):
    compute = staticmethod(np.ceil)


class Round(_Piecewise, node_name="RoundBackward0"):
    compute = staticmethod(np.round)


class Trunc(_Piecewise, node_name="TruncBackward0"):
    compute = staticmethod(np.trunc)


# Binary ops ------------------------------------------------------------------


_NO_CONSTANTS = (None, None)


def _constants(a: Any, b: Any) -> tuple[Any, Any]:
    """The Python numbers among a binary op's operands (tensors become None)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return _NO_CONSTANTS  # the common case: one shared tuple
    return (None if isinstance(a, Tensor) else a, None if isinstance(b, Tensor) else b)


def _saved_if(value: Any, needed: bool) -> Tensor | None:
    """`value` when it is a tensor some gradient needs, else None (nothing to save)."""
    return value if needed and isinstance(value, Tensor) else None


class Add(Function, node_name="AddBackward0"):
    _scalar_inputs_are_edges = True
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, a: Any, b: Any, alpha: float = 1) -> np.ndarray:
        x, y = operand_arrays(a, b)
        ctx.alpha = alpha
        return x + y if alpha == 1 else x + alpha * y

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        return grad, grad if ctx.alpha == 1 else grad * ctx.alpha

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
            ) -> Tensor | None:
        tangent_a, tangent_b = _fw.lift_operands(ctx, tangent_a, tangent_b)
        if tangent_b is not None and ctx.alpha != 1:
            tangent_b = tangent_b * ctx.alpha
        return _fw.add_tangents(tangent_a, tangent_b)


class Sub(Function, node_name="SubBackward0"):
    _scalar_inputs_are_edges = True
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, a: Any, b: Any, alpha: float = 1) -> np.ndarray:
        x, y = operand_arrays(a, b)
        ctx.alpha = alpha
        return x - y if alpha == 1 else x - alpha * y

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        return grad, -grad if ctx.alpha == 1 else grad * -ctx.alpha

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
            ) -> Tensor | None:
        tangent_a, tangent_b = _fw.lift_operands(ctx, tangent_a, tangent_b)
        if tangent_b is not None:
            tangent_b = -tangent_b if ctx.alpha == 1 else tangent_b * -ctx.alpha
        return _fw.add_tangents(tangent_a, tangent_b)


class Rsub(Function, node_name="RsubBackward1"):
    """`number - tensor`: the number is no input of the graph."""

    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, other: Any = 0, alpha: float = 1) -> np.ndarray:
        a, b = operand_arrays(x, other)
        ctx.alpha = alpha
        return b - a if alpha == 1 else b - alpha * a

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        return -grad if ctx.alpha == 1 else grad * -ctx.alpha

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return -tangent if ctx.alpha == 1 else tangent * -ctx.alpha


class Mul(Function, node_name="MulBackward0"):
    _scalar_inputs_are_edges = True
    _backward_on_arrays = True
    saved_names = ("self", "other")

    @staticmethod
    def forward(ctx: BackwardFunction, a: Any, b: Any) -> np.ndarray:
        x, y = operand_arrays(a, b)
        needs_a, needs_b = ctx.needs_input_grad
        if needs_a or needs_b:
            # d(ab)/da = b and d(ab)/db = a: keep only the factor a gradient needs.
            ctx.save_for_backward(_saved_if(a, needs_b), _saved_if(b, needs_a))
            ctx.constants = _constants(a, b)
        return x * y

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        const_a, const_b = ctx.constants
        needs_a, needs_b = ctx.needs_input_grad
        grad_a = grad * (const_b if b is None else b) if needs_a else None
        grad_b = grad * (const_a if a is None else a) if needs_b else None
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
            ) -> Tensor | None:
        a, b = ctx.primal_inputs
        tangent_a, tangent_b = _fw.lift_operands(ctx, tangent_a, tangent_b)
        return _fw.add_tangents(None if tangent_a is None else tangent_a * b,
                            None if tangent_b is None else a * tangent_b)


class Div(Function, node_name="DivBackward0"):
    _scalar_inputs_are_edges = True
    _backward_on_arrays = True
    saved_names = ("self", "other")

    @staticmethod
    def forward(ctx: BackwardFunction, a: Any, b: Any) -> np.ndarray:
        x, y = operand_arrays(a, b, floating=True)
        needs_a, needs_b = ctx.needs_input_grad
        if needs_a or needs_b:
            ctx.save_for_backward(_saved_if(a, needs_b), _saved_if(b, needs_a or needs_b))
            ctx.constants = _constants(a, b)
        return x / y

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        const_a, const_b = ctx.constants
        needs_a, needs_b = ctx.needs_input_grad
        b = const_b if b is None else b
        grad_a = grad / b if needs_a else None  # d(a/b)/da = 1/b
        # d(a/b)/db = -a/b²
        grad_b = -grad * (const_a if a is None else a) / (b * b) if needs_b else None
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

    saved_names = ("self",)
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, exponent: float = 1) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.exponent = exponent
        base, _ = operand_arrays(x, exponent)
        return np.power(base, exponent)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        p = ctx.exponent
        if p == 0:
            return grad * 0
        return grad * p * x ** (p - 1)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        p = ctx.exponent
        if p == 0:
            return tangent * 0
        return tangent * p * ctx.primal_inputs[0] ** (p - 1)


class PowTensorTensor(Function, node_name="PowBackward1"):
    """a ** b for tensors: d/da = b a^(b-1), d/db = a^b ln a."""

    saved_names = ("self", "exponent", "result")

    @staticmethod
    def forward(ctx: BackwardFunction, a: Tensor, b: Tensor) -> np.ndarray:
        x, y = operand_arrays(a, b)
        result = np.power(x, y)
        ctx.save_for_backward(a, b, result)
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b, result = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        grad_a = grad * b * a ** (b - 1) if needs_a else None
        grad_b = None
        if needs_b:
            # 0 ** b contributes nothing for b >= 0 (PyTorch masks the -inf of ln 0).
            log_a = where((a == 0) & (b >= 0), 0.0, a.log())
            grad_b = grad * result * log_a
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

    saved_names = ("result",)
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, exponent: Tensor, base: float = 1) -> np.ndarray:
        ctx.base = base
        b, e = operand_arrays(base, exponent)
        result = np.power(b, e)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        if ctx.base == 0:
            return grad * 0
        return grad * result * float(np.log(ctx.base))

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        if ctx.base == 0:
            return tangent * 0
        return tangent * ctx.primal_outputs[0] * float(np.log(ctx.base))


class _Pick(Function):
    """The larger (or smaller) of two tensors: the winner takes the gradient; a tie splits it."""

    _scalar_inputs_are_edges = True
    saved_names = ("self", "other")
    compute = staticmethod(np.maximum)
    wins = staticmethod(operator.gt)  # does `a` win over `b`?

    @staticmethod
    def forward(ctx: BackwardFunction, a: Tensor, b: Tensor) -> np.ndarray:
        x, y = operand_arrays(a, b)
        ctx.save_for_backward(a, b)
        return ctx._forward_cls.compute(x, y)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        share_a = ctx._forward_cls.wins(a, b).to(grad.dtype) + (a == b).to(grad.dtype) * 0.5
        return grad * share_a, grad * (1 - share_a)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
            ) -> Tensor | None:
        a, b = ctx.primal_inputs
        return _winner_tangent(ctx, tangent_a, tangent_b, ctx._forward_cls.wins(a, b))


class Maximum(_Pick, node_name="MaximumBackward0"):
    compute = staticmethod(np.maximum)
    wins = staticmethod(operator.gt)


class Minimum(_Pick, node_name="MinimumBackward0"):
    compute = staticmethod(np.minimum)
    wins = staticmethod(operator.lt)


class Clamp(Function, node_name="ClampBackward1"):
    """Clip to [min, max]: the gradient passes where the input was inside."""

    saved_names = ("self",)

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, min: float | None = None,
                max: float | None = None) -> np.ndarray:
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        ctx.save_for_backward(x)
        ctx.bounds = (min, max)
        data = x._data
        if min is not None:
            data = np.maximum(data, operand_arrays(x, min)[1])
        if max is not None:
            data = np.minimum(data, operand_arrays(x, max)[1])
        return data

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        low, high = ctx.bounds
        inside = np.ones_like(x._data, dtype=bool)
        if low is not None:
            inside &= x._data >= low
        if high is not None:
            inside &= x._data <= high
        return grad * Tensor._wrap(inside.astype(grad._data.dtype))

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        x = ctx.primal_inputs[0]._data
        low, high = ctx.bounds
        inside = np.ones_like(x, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        return tangent * Tensor._wrap(inside.astype(tangent._data.dtype))


class ClampMin(Clamp, node_name="ClampMinBackward0"):
    pass


class ClampMax(Clamp, node_name="ClampMaxBackward0"):
    pass


class Where(Function, node_name="WhereBackward0"):
    """Pick from `a` where the condition holds, else from `b`."""

    _scalar_inputs_are_edges = True
    saved_names = ("condition",)

    @staticmethod
    def forward(ctx: BackwardFunction, a: Any, b: Any, condition: Tensor | None = None
                ) -> np.ndarray:
        x, y = operand_arrays(a, b)
        ctx.condition = condition._data
        return np.where(condition._data, x, y)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        mask = Tensor._wrap(ctx.condition)
        return where(mask, grad, 0.0), where(mask, 0.0, grad)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
            ) -> Tensor:
        tangent_a, tangent_b = _fw.lift_operands(ctx, tangent_a, tangent_b)
        return where(Tensor._wrap(ctx.condition), 0.0 if tangent_a is None else tangent_a,
                     0.0 if tangent_b is None else tangent_b)


class MaskedFill(Function, node_name="MaskedFillBackward0"):
    """Replace the elements where `mask` holds by `value`; they get no gradient."""

    @staticmethod
    def forward(ctx: BackwardFunction, x: Tensor, mask: Tensor | None = None,
                value: float = 0.0) -> np.ndarray:
        ctx.mask = mask._data
        return np.where(mask._data, x._data.dtype.type(value), x._data)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> Tensor:
        return masked_fill(grad, Tensor._wrap(ctx.mask), 0.0)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent: Tensor) -> Tensor:
        return masked_fill(tangent, Tensor._wrap(ctx.mask), 0.0)


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


def _tensor_arg(value: Any, name: str = "input") -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a Tensor, not {type(value).__name__}")
    return value


def add(input: Any, other: Any, *, alpha: float = 1) -> Tensor:
    """input + alpha * other, broadcasting."""
    return Add.apply(input, other, alpha=alpha)


def sub(input: Any, other: Any, *, alpha: float = 1) -> Tensor:
    """input - alpha * other, broadcasting."""
    if not isinstance(input, Tensor):
        return Rsub.apply(other, other=input, alpha=alpha)
    return Sub.apply(input, other, alpha=alpha)


subtract = sub


def rsub(input: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """other - alpha * input."""
    if isinstance(other, Tensor):
        return Sub.apply(other, input, alpha=alpha)
    return Rsub.apply(input, other=other, alpha=alpha)


def mul(input: Any, other: Any) -> Tensor:
    """Elementwise product, broadcasting."""
    return Mul.apply(input, other)


multiply = mul


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """Elementwise true division, broadcasting."""
    if rounding_mode is not None:
        raise NotImplementedError("div(rounding_mode=...) is not supported by minigrad")
    if not isinstance(input, Tensor):
        return Mul.apply(reciprocal(other), input)
    return Div.apply(input, other)


divide = true_divide = div


def pow(input: Any, exponent: Any) -> Tensor:
    """input ** exponent, where either may be a number."""
    if isinstance(input, Tensor) and isinstance(exponent, Tensor):
        return PowTensorTensor.apply(input, exponent)
    if isinstance(input, Tensor):
        return PowTensorScalar.apply(input, exponent=exponent)
    return PowScalarTensor.apply(_tensor_arg(exponent, "exponent"), base=input)


def square(input: Tensor) -> Tensor:
    return PowTensorScalar.apply(input, exponent=2)


def maximum(input: Tensor, other: Tensor) -> Tensor:
    return Maximum.apply(input, other)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    return Minimum.apply(input, other)


def clamp(input: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """Clip each element into [min, max]."""
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        result = input if min is None else maximum(input, min)
        return result if max is None else minimum(result, max)
    return Clamp.apply(input, min=min, max=max)


clip = clamp


def clamp_min(input: Tensor, min: float) -> Tensor:
    return ClampMin.apply(input, min=min)


def clamp_max(input: Tensor, max: float) -> Tensor:
    return ClampMax.apply(input, max=max)


def where(condition: Tensor, input: Any, other: Any) -> Tensor:
    """Elements of `input` where `condition` holds, else of `other`."""
    if not isinstance(condition, Tensor) or condition._data.dtype != np.bool_:
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                           "with dtype " + (repr(condition.dtype).replace("torch.", "").title()
                                            if isinstance(condition, Tensor) else "None"))
    arrays = [t._data for t in (condition, input, other) if isinstance(t, Tensor)]
    if len({type(array) for array in arrays}) > 1:
        backend.check_same_device(*arrays)  # PyTorch's error for tensors on two devices
    return Where.apply(input, other, condition=condition)


def masked_fill(input: Tensor, mask: Tensor, value: float) -> Tensor:
    """A copy of `input` with `value` where `mask` is True."""
    if isinstance(value, Tensor):
        value = value.item()
    return MaskedFill.apply(input, mask=mask, value=value)


def _unary(function: type[Function]) -> Any:
    def op(input: Tensor) -> Tensor:
        return function.apply(_tensor_arg(input))

    return op


exp = _unary(Exp)
exp2 = _unary(Exp2)
expm1 = _unary(Expm1)
log = _unary(Log)
log2 = _unary(Log2)
log10 = _unary(Log10)
log1p = _unary(Log1p)
sin = _unary(Sin)
cos = _unary(Cos)
tan = _unary(Tan)
sinh = _unary(Sinh)
cosh = _unary(Cosh)
atan = _unary(Atan)
arctan = atan
tanh = _unary(Tanh)
sigmoid = _unary(Sigmoid)
relu = _unary(Relu)
sqrt = _unary(Sqrt)
rsqrt = _unary(Rsqrt)
reciprocal = _unary(Reciprocal)
abs = _unary(Abs)
absolute = abs
neg = _unary(Neg)
negative = neg
sign = _unary(Sign)
floor = _unary(Floor)
ceil = _unary(Ceil)
round = _unary(Round)
trunc = _unary(Trunc)

for _op_name in ("exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan",
                 "sinh", "cosh", "atan", "tanh", "sigmoid", "relu", "sqrt", "rsqrt",
                 "reciprocal", "abs", "neg", "sign", "floor", "ceil", "round", "trunc"):
    globals()[_op_name].__name__ = _op_name
    globals()[_op_name].__qualname__ = _op_name
    globals()[_op_name].__doc__ = f"Elementwise {_op_name}, differentiable."


# Comparisons and logic: results are bool tensors outside the graph -------------


def _compare(ufunc: np.ufunc) -> Any:
    def op(input: Any, other: Any) -> Tensor:
        x, y = operand_arrays(input, other)
        return Tensor._wrap(backend.as_array(ufunc(x, y)))

    return op


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)
logical_and = _compare(np.logical_and)
logical_or = _compare(np.logical_or)
logical_xor = _compare(np.logical_xor)
bitwise_and = _compare(np.bitwise_and)
bitwise_or = _compare(np.bitwise_or)
bitwise_xor = _compare(np.bitwise_xor)
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def logical_not(input: Tensor) -> Tensor:
    return Tensor._wrap(np.logical_not(input._data))


def bitwise_not(input: Tensor) -> Tensor:
    if input._data.dtype.kind == "f":
        raise TypeError("bitwise_not_cpu not implemented for 'Float'")
    return Tensor._wrap(np.invert(input._data))


def isnan(input: Tensor) -> Tensor:
    return Tensor._wrap(np.isnan(input._data))


def isinf(input: Tensor) -> Tensor:
    return Tensor._wrap(np.isinf(input._data))


def isfinite(input: Tensor) -> Tensor:
    return Tensor._wrap(np.isfinite(input._data))


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and values."""
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    return Tensor._wrap(np.isclose(input._data, other._data, rtol=rtol, atol=atol,
                                   equal_nan=equal_nan))


# The public functions this module defines; the Function classes stay in `ops.pointwise`.
__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and not isinstance(value, type)
           and getattr(value, "__module__", None) == __name__]
