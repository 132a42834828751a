"""Shared mechanics of the ops: dims, PyTorch's type promotion, broadcasting and device checks."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from minigrad import backend
from minigrad._argument_errors import type_message
from minigrad._arguments import NUMBER_TYPES
from minigrad._tensor import Tensor

_SCALAR_TYPES = (int, float, bool, np.generic)

# What an op's type hints accept, as PyTorch's argument parser reads its signatures: a
# `Number` is a Python or NumPy number (not a string, not an array, not None).
Number = int | float | bool
_NUMBER_TYPES = NUMBER_TYPES
_ACCEPTED = {
    "Tensor": (Tensor,),
    "Tensor | Number": (Tensor, *_NUMBER_TYPES),
    "Tensor | Number | None": (Tensor, *_NUMBER_TYPES, type(None)),
    "Number": _NUMBER_TYPES,
    "Number | None": (*_NUMBER_TYPES, type(None)),
    "int": (int, np.integer),
    "int | None": (int, np.integer, type(None)),
    "int | Sequence[int] | None": (int, np.integer, tuple, list, type(None)),
    "Tensor | int | None": (Tensor, int, np.integer, type(None)),
}
_Op = TypeVar("_Op", bound=Callable[..., Any])


def is_scalar(value: Any) -> bool:
    """A Python or NumPy number (not a tensor)."""
    return isinstance(value, _SCALAR_TYPES)


def checks_argument_types(*overloads: str) -> Callable[[_Op], _Op]:
    """Check an op's arguments against its type hints at the call, with PyTorch's TypeError.

    The one place where a wrong argument type (`x * None`, `x + [1, 2]`, `where(c, x, 'a')`)
    is caught, before any NumPy code sees it. A parameter hinted `Tensor`, `Tensor | Number`
    or `Number` (`| None` allowed) is checked; others are not. `overloads` are PyTorch's
    signatures of an op it has several of (`pow`): its error then lists them. The decorated
    op carries `as_method`, the same op numbering arguments as a method (`x.mul(None)`:
    'other' is position 1).
    """

    def decorate(op: _Op) -> _Op:
        parameters = [p for p in inspect.signature(op).parameters.values()
                      if p.kind is not inspect.Parameter.VAR_KEYWORD]
        positional = [(p.name, _ACCEPTED.get(p.annotation)) for p in parameters
                      if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
        by_name = {p.name: _ACCEPTED.get(p.annotation) for p in parameters}

        accepts = [accepted for _, accepted in positional]

        def check(args: tuple[Any, ...], kwargs: dict[str, Any], offset: int) -> None:
            for position, (value, (name, accepted)) in enumerate(zip(args, positional)):
                if accepted is not None and not isinstance(value, accepted):
                    raise TypeError(type_message(op.__name__, overloads, args, kwargs, offset,
                                                  name, position + 1 - offset, accepted, value))
            for name, value in kwargs.items():
                accepted = by_name.get(name)
                if accepted is not None and not isinstance(value, accepted):
                    raise TypeError(type_message(op.__name__, overloads, args, kwargs, offset,
                                                  name, None, accepted, value))

        def wrapper(offset: int) -> _Op:
            """The op behind the check; `offset` 1 numbers arguments as a method does."""

            # The common case, every argument of an accepted type, is one isinstance each,
            # here in the wrapper (every op call passes through it); `check` finds the culprit.
            @functools.wraps(op)
            def call(*args: Any, **kwargs: Any) -> Any:
                for value, accepted in zip(args, accepts):
                    if accepted is not None and not isinstance(value, accepted):
                        check(args, kwargs, offset)
                if not kwargs:
                    return op(*args)
                for name, value in kwargs.items():
                    accepted = by_name.get(name)
                    if accepted is not None and not isinstance(value, accepted):
                        check(args, kwargs, offset)
                return op(*args, **kwargs)

            return call  # type: ignore[return-value]

        checked = wrapper(0)
        checked.as_method = wrapper(1)  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


_SCALAR_TYPE_NAMES = {
    "float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
    "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
    "complex64": "ComplexFloat", "complex128": "ComplexDouble",
}


# C++'s names of the element types, which some of PyTorch's messages print (`long int`).
_CPP_TYPE_NAMES = {
    "float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
    "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
    "bool": "bool",
}


def cpp_type_name(dtype: np.dtype) -> str:
    """A dtype as C++ names it in some of PyTorch's messages: float, long int, bool."""
    return _CPP_TYPE_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)


def scalar_type_name(dtype: np.dtype) -> str:
    """A dtype as PyTorch's messages name it: Float, Double, Long, Bool."""
    return _SCALAR_TYPE_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)


def _category(kind: str) -> int:
    return {"b": 0, "u": 1, "i": 1, "f": 2}[kind]


def result_dtype(*operands: Any) -> np.dtype:
    """The dtype of an op on `operands`, by PyTorch's rules.

    The highest category (bool < integer < floating) wins; within it, tensors
    with dimensions outrank 0-dim tensors, which outrank Python numbers. So
    float32 tensor + 2.5 stays float32 and int64 tensor * 2.5 is float32.
    """
    groups: list[list[np.dtype]] = [[], [], []]
    for op in operands:
        if isinstance(op, Tensor):
            groups[0 if op._data.ndim else 1].append(op._data.dtype)
        elif isinstance(op, (bool, np.bool_)):
            groups[2].append(np.dtype(np.bool_))
        elif isinstance(op, (int, np.integer)):
            groups[2].append(np.dtype(np.int64))
        else:
            groups[2].append(backend.get_default_dtype().np)
    top = max(_category(d.kind) for group in groups for d in group)
    for group in groups:
        candidates = [d for d in group if _category(d.kind) == top]
        if candidates:
            return np.result_type(*candidates)
    raise AssertionError("no operands")


def check_broadcast(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> None:
    """Raise PyTorch's error when two shapes do not broadcast."""
    ndim = max(len(shape_a), len(shape_b))
    for i in range(ndim - 1, -1, -1):
        offset = ndim - 1 - i
        a = shape_a[len(shape_a) - 1 - offset] if offset < len(shape_a) else 1
        b = shape_b[len(shape_b) - 1 - offset] if offset < len(shape_b) else 1
        if a != b and a != 1 and b != 1:
            raise RuntimeError(
                f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                f"non-singleton dimension {i}"
            )


def operand_arrays(a: Any, b: Any, *, floating: bool = False) -> tuple[Any, Any]:
    """The array operands of a binary op, promoted as PyTorch promotes them.

    Python numbers stay Python numbers when NumPy's own promotion already
    agrees, which keeps the common cases (float32 tensor and a float) cheap.
    Tensors on two devices are PyTorch's error, but for a 0-d CPU tensor,
    which joins the other on its GPU.
    """
    a_is_tensor = isinstance(a, Tensor)
    b_is_tensor = isinstance(b, Tensor)
    a_data = a._data if a_is_tensor else a
    b_data = b._data if b_is_tensor else b
    if a_is_tensor and b_is_tensor:
        if type(a_data) is not type(b_data):  # arrays of one type are on one device
            a_data, b_data = on_one_device(a_data, b_data)
        if a_data.shape != b_data.shape:
            check_broadcast(a_data.shape, b_data.shape)
        if a_data.dtype == b_data.dtype and (not floating or a_data.dtype.kind == "f"):
            return a_data, b_data
    elif a_is_tensor and a_data.dtype.kind == "f" and type(b) in (int, float):
        return a_data, b_data
    elif b_is_tensor and b_data.dtype.kind == "f" and type(a) in (int, float):
        return a_data, b_data
    target = result_dtype(a, b)
    if floating and target.kind != "f":
        target = backend.get_default_dtype().np
    return _cast(a_data, target), _cast(b_data, target)


def _cast(value: Any, target: np.dtype) -> Any:
    if hasattr(value, "dtype"):  # an array on any device, or a NumPy scalar
        return value if value.dtype == target else value.astype(target)
    return target.type(value)  # a NumPy scalar goes with arrays on any device


def on_one_device(*arrays: Any) -> list[Any]:
    """The arrays of an elementwise op, checked to share a device (PyTorch's error if not).

    A 0-d CPU array, PyTorch's CPU scalar, is moved to the others' GPU.
    """
    common = backend.check_same_device(*arrays)
    return [backend.to_device(array, common) for array in arrays]


def floating_data(tensor: Tensor) -> np.ndarray:
    """The tensor's values, as the default float dtype if they are integers or bools."""
    data = tensor._data
    if data.dtype.kind == "f":
        return data
    return data.astype(backend.get_default_dtype().np)

