"""Tensor's op methods and operators, each a thin call into `minigrad.ops`.

`x.sin()` is `ops.sin(x)`, `a * b` is `ops.mul(a, b)`, and `x.sin_()` runs
`ops.sin` and writes the result back into `x`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad import backend

if TYPE_CHECKING:
    from minigrad._tensor import Tensor

# Methods that are the op of the same name, with the tensor as first argument.
_OP_METHODS = (
    "abs", "absolute", "add", "addmm", "allclose", "amax", "amin", "argmax", "argmin", "atan",
    "arctan", "bmm", "ceil", "chunk", "clamp", "clamp_max", "clamp_min", "clip", "clone",
    "contiguous", "cos", "cosh", "div", "divide", "dot", "eq", "equal", "exp", "exp2", "expand",
    "expand_as", "expm1", "flatten", "floor", "ge", "greater", "greater_equal", "gt", "isclose",
    "isfinite", "isinf", "isnan", "le", "less", "less_equal", "log", "log10", "log1p", "log2",
    "log_softmax", "logical_and", "logical_not", "logical_or", "logical_xor", "lt",
    "masked_fill", "matmul", "max", "maximum", "mean", "min", "minimum", "mm", "movedim", "mul",
    "multiply", "mv", "narrow", "ne", "neg", "negative", "norm", "not_equal", "outer",
    "permute", "pow", "reciprocal", "relu", "repeat", "reshape", "round", "rsqrt", "select",
    "sigmoid", "sgn", "sign", "sin", "sinh", "softmax", "split", "sqrt", "square", "squeeze", "sub",
    "subtract", "sum", "sum_to_size", "swapaxes", "swapdims", "t", "tan", "tanh", "to",
    "transpose", "true_divide", "trunc", "unbind", "unflatten", "unsqueeze", "view", "view_as",
)

# In-place methods `name_` that run the op `name` and write back.
_INPLACE_METHODS = (
    "abs", "add", "ceil", "clamp", "clamp_max", "clamp_min", "clip", "cos", "cosh", "div", "exp",
    "expm1", "floor", "log", "log10", "log1p", "log2", "masked_fill", "mul", "neg", "pow",
    "reciprocal", "relu", "round", "rsqrt", "sigmoid", "sign", "sin", "sinh", "sqrt", "square",
    "sub", "tan", "tanh", "trunc",
)


def _inplace(ops: Any, op_name: str) -> Any:
    apply_inplace, op = ops.apply_inplace, getattr(ops, op_name)

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return apply_inplace(self, op, *args, **kwargs)

    method.__name__ = method.__qualname__ = op_name + "_"
    method.__doc__ = f"In-place `{op_name}`: writes the result into this tensor."
    return method


def attach(tensor_class: type) -> None:
    """Give `tensor_class` its op methods, in-place methods and operators."""
    from minigrad import ops

    for name in _OP_METHODS:
        op = getattr(ops, name)
        # An op that checks its argument types numbers them as a method does (`self` apart).
        setattr(tensor_class, name, getattr(op, "as_method", op))
    for name in _INPLACE_METHODS:
        setattr(tensor_class, name + "_", _inplace(ops, name))
    operators = {
        "__add__": ops.add, "__radd__": ops.add, "__iadd__": _inplace(ops, "add"),
        "__sub__": ops.sub, "__rsub__": ops.rsub, "__isub__": _inplace(ops, "sub"),
        "__mul__": ops.mul, "__rmul__": ops.mul, "__imul__": _inplace(ops, "mul"),
        "__truediv__": ops.div, "__rtruediv__": _rdiv, "__itruediv__": _inplace(ops, "div"),
        "__pow__": ops.pow, "__rpow__": _rpow, "__ipow__": _inplace(ops, "pow"),
        "__matmul__": ops.matmul, "__rmatmul__": _rmatmul,
        "__neg__": ops.neg, "__pos__": lambda self: self, "__abs__": ops.abs,
        "__eq__": ops.eq, "__ne__": ops.ne, "__lt__": ops.lt, "__le__": ops.le,
        "__gt__": ops.gt, "__ge__": ops.ge, "__and__": ops.bitwise_and,
        "__or__": ops.bitwise_or, "__xor__": ops.bitwise_xor, "__invert__": ops.bitwise_not,
        "__getitem__": ops.getitem, "__setitem__": _setitem,
        "zero_": ops.zero_, "fill_": ops.fill_, "copy_": ops.copy_,
    }
    for name, function in operators.items():
        if name in _BINARY_OPERATORS:
            function = _operator(function)
        setattr(tensor_class, name, function)
    for name, dtype in (("float", backend.float32), ("double", backend.float64),
                        ("half", backend.float16), ("long", backend.int64),
                        ("int", backend.int32), ("bool", backend.bool)):
        setattr(tensor_class, name, _converter(dtype))
    tensor_class.__array_ufunc__ = _array_ufunc
    tensor_class.T = property(_matrix_transpose, doc="The dims in reverse order.")
    tensor_class.mT = property(lambda self: self.transpose(-2, -1),
                               doc="Transpose of the last two dims.")
    tensor_class.type_as = lambda self, other: self.to(other.dtype)
    tensor_class.new_tensor = lambda self, data, **kw: _creation().tensor(
        data, **{"dtype": self.dtype, "device": self.device, **kw})
    tensor_class.new_zeros = lambda self, *size, **kw: _creation().zeros(
        *size, **{"dtype": self.dtype, "device": self.device, **kw})
    tensor_class.new_ones = lambda self, *size, **kw: _creation().ones(
        *size, **{"dtype": self.dtype, "device": self.device, **kw})
    tensor_class.new_full = lambda self, size, value, **kw: _creation().full(
        size, value, **{"dtype": self.dtype, "device": self.device, **kw})
    tensor_class.uniform_ = lambda self, a=0.0, b=1.0, generator=None: _creation().fill_random(
        self, "uniform", a, b, generator)
    tensor_class.normal_ = lambda self, mean=0.0, std=1.0, generator=None: _creation().fill_random(
        self, "normal", mean, std, generator)


_BINARY_OPERATORS = frozenset({
    "__add__", "__radd__", "__iadd__", "__sub__", "__rsub__", "__isub__", "__mul__", "__rmul__",
    "__imul__", "__truediv__", "__rtruediv__", "__itruediv__", "__pow__", "__rpow__", "__ipow__",
    "__matmul__", "__rmatmul__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__",
    "__and__", "__or__", "__xor__",
})


def _operator(function: Any) -> Any:
    """A binary operator that gives Python `NotImplemented` for an operand of the wrong type,
    as PyTorch's do: `x * None` is then Python's own TypeError ("unsupported operand type(s)
    for *: 'Tensor' and 'NoneType'"), and `x == None` is False."""

    def operator(self: Tensor, other: Any) -> Any:
        try:
            return function(self, other)
        except TypeError:
            return NotImplemented

    operator.__name__ = operator.__qualname__ = getattr(function, "__name__", "operator")
    operator.__doc__ = function.__doc__
    return operator


# NumPy's arithmetic with a tensor operand defers to the tensor's operator, as with
# PyTorch's tensors: `np.float32(2) * t` is `t.__rmul__(np.float32(2))`.
_OPERATOR_UFUNCS = {
    "add": ("__add__", "__radd__"), "subtract": ("__sub__", "__rsub__"),
    "multiply": ("__mul__", "__rmul__"), "true_divide": ("__truediv__", "__rtruediv__"),
    "power": ("__pow__", "__rpow__"), "matmul": ("__matmul__", "__rmatmul__"),
    "greater": ("__gt__", "__lt__"), "less": ("__lt__", "__gt__"),
    "greater_equal": ("__ge__", "__le__"), "less_equal": ("__le__", "__ge__"),
    "equal": ("__eq__", "__eq__"), "not_equal": ("__ne__", "__ne__"),
}


def _array_ufunc(self: Tensor, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """NumPy's ufuncs on tensors, as on PyTorch's.

    An operator ufunc with a NumPy operand is the tensor's operator (recorded
    as usual); any other ufunc, `np.sin(t)`, runs on the values, which needs
    `numpy()` (so PyTorch's error while the tensor requires grad), and gives a
    tensor back.
    """
    from minigrad._tensor import Tensor

    if method == "__call__" and not kwargs and len(inputs) == 2 and (
            ufunc.__name__ in _OPERATOR_UFUNCS):
        name, reflected = _OPERATOR_UFUNCS[ufunc.__name__]
        if inputs[0] is self:
            return getattr(self, name)(inputs[1])
        return getattr(self, reflected)(inputs[0])
    if "out" in kwargs:
        return NotImplemented
    arrays = [x.numpy() if isinstance(x, Tensor) else x for x in inputs]
    result = getattr(ufunc, method)(*arrays, **kwargs)
    if isinstance(result, tuple):
        return tuple(Tensor._wrap(np.asarray(r)) for r in result)
    return Tensor._wrap(np.asarray(result))


def _creation() -> Any:
    from minigrad import _creation

    return _creation


def _converter(dtype: backend.dtype) -> Any:
    def method(self: Tensor) -> Tensor:
        return self.to(dtype)

    method.__doc__ = f"This tensor as {dtype!r} (itself if it already is)."
    return method


def _rdiv(self: Tensor, other: Any) -> Tensor:
    from minigrad import ops

    return ops.reciprocal(self) * other  # PyTorch records `2 / x` this way too


def _rpow(self: Tensor, other: Any) -> Tensor:
    from minigrad import ops

    return ops.pow(other, self)


def _rmatmul(self: Tensor, other: Any) -> Tensor:
    from minigrad import ops

    return ops.matmul(other, self)


def _matrix_transpose(self: Tensor) -> Tensor:
    from minigrad import ops

    return ops.permute(self, tuple(reversed(range(self.ndim))))


def _setitem(self: Tensor, key: Any, value: Any) -> None:
    """`t[key] = value`: an in-place write into the selected elements."""
    from minigrad.ops import index_put

    index_put.setitem(self, key, value)
