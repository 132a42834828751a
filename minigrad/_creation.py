"""Making tensors: from data, filled with a value, ranges, and random draws.

Random draws come from `minigrad.backend.random`, which reproduces PyTorch's CPU
generator, so `manual_seed(0); rand(3)` gives PyTorch's numbers. Every factory
takes `device=`: filled tensors are made on that device, the others are made
on the CPU and copied there (so random draws on a GPU are the CPU's numbers).
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np

from minigrad import backend
from minigrad._argument_errors import invalid_combination
from minigrad._arguments import int_list
from minigrad._tensor import Tensor
from minigrad.backend import cpu, exact, random
from minigrad.backend.dtypes import dtype as DType

__all__ = ["arange", "empty", "empty_like", "eye", "full", "full_like", "linspace", "ones",
           "ones_like", "rand", "rand_like", "randint", "randn", "randn_like", "randperm",
           "tensor", "zeros", "zeros_like"]


def _module(device: Any) -> ModuleType:
    """The array module that makes arrays on `device` (the default device's when None)."""
    device = backend.factory_device(device)
    return np if device is None else backend.module_for(backend.resolve(device))


def _finish(data: np.ndarray, requires_grad: bool, device: Any = None) -> Tensor:
    """The new tensor, moved to `device` if one is given.

    Factories word the integer-dtype error as PyTorch's factories do.
    """
    if requires_grad and data.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    device = backend.factory_device(device)
    if device is not None:
        data = backend.to_device(data, device)
    return Tensor._wrap(data, requires_grad)


def _size(dims: tuple[Any, ...], op: str, position: int = 1) -> tuple[int, ...]:
    """The sizes given as `op(2, 3)` or `op((2, 3))`, refusing negative ones as PyTorch does."""
    size = int_list(dims, op, "size", position)
    for s in size:
        if s < 0:
            if op == "zeros":  # zeros checks its sizes before the allocator does
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(size)}")
    return size


def _size_sequence(size: Any, op: str, position: int) -> tuple[int, ...]:
    """Sizes that must come as one tuple or list (`full`, `randint`)."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"{op}(): argument 'size' (position {position}) must be tuple of ints, "
                        f"not {type(size).__name__}")
    return _size((size,), op, position)


def _shape_argument(name: str, dims: tuple[Any, ...], size: Sequence[Any] | None
                    ) -> tuple[int, ...]:
    """The shape given as `zeros(2, 3)`, `zeros((2, 3))` or `zeros(size=(2, 3))`, one way only."""
    if size is None:
        if not dims:
            raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
        return _size(dims, name)
    if dims:
        raise TypeError(f"{name}() got multiple values for argument 'size'")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"{name}(): argument 'size' must be tuple of ints, not "
                        f"{type(size).__name__}")
    return _size((size,), name)


def _default(dtype: DType | None) -> np.dtype:
    return (dtype or backend.get_default_dtype()).np


def _infer_array(data: Any, dtype: DType | None = None) -> np.ndarray:
    """Data as an array of `dtype`, or of the dtype PyTorch infers (Python floats: float32).

    Arrays (NumPy's, or CuPy's on a GPU) are returned as they are, whatever `dtype`.
    Python numbers go straight to the target dtype, as `torch.tensor` reads them: 0.1
    as float64 is exactly Python's 0.1, never first rounded to float32.
    """
    if isinstance(data, np.ndarray) or backend.device_of(data).type != "cpu":
        return data
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    shape, leaves = _flatten(data)
    np_dtype = dtype.np if dtype is not None else _inferred_dtype(leaves)
    return _converted(leaves, np_dtype).reshape(shape)


def _is_sequence(item: Any) -> bool:
    return isinstance(item, (list, tuple)) or (isinstance(item, np.ndarray) and item.ndim > 0)


def _flatten(data: Any) -> tuple[tuple[int, ...], list[Any]]:
    """The shape of nested sequences and their numbers in order (0-d tensors as NumPy scalars).

    Walked a level at a time, so a ragged level gets PyTorch's message naming its dim.
    """
    items = [_leaf(data)]
    shape: list[int] = []
    while items and _is_sequence(items[0]):
        length = len(items[0])
        for item in items:
            if not _is_sequence(item):
                raise TypeError("not a sequence")
            if len(item) != length:
                raise ValueError(f"expected sequence of length {length} at dim {len(shape)} "
                                 f"(got {len(item)})")
        shape.append(length)
        items = [_leaf(x) for item in items for x in item]
    return tuple(shape), items


def _leaf(item: Any) -> Any:
    """A tensor inside the data as what it holds: a NumPy scalar (keeping its dtype) or lists."""
    if isinstance(item, Tensor):
        return item._data[()] if item._data.ndim == 0 else item.tolist()
    return item


# PyTorch promotes across kinds by kind alone (int64 with float32 is float32), unlike NumPy.
_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _inferred_dtype(leaves: list[Any]) -> np.dtype:
    """The dtype PyTorch gives these numbers: the highest kind among them wins."""
    result: np.dtype | None = None
    for kind in set(map(type, leaves)):
        if kind is float:
            found = backend.get_default_dtype().np
        elif kind is int:
            found = np.dtype(np.int64)
        elif kind is bool or issubclass(kind, np.generic):
            found = np.dtype(kind)
        elif issubclass(kind, str):
            # PyTorch reads a leading string as one more (ragged) dim, a later one as a value.
            if isinstance(leaves[0], str):
                raise ValueError("too many dimensions 'str'")
            raise TypeError("new(): invalid data type 'str'")
        elif kind is complex:
            found = np.dtype(np.complex128)
        else:
            raise RuntimeError(f"Could not infer dtype of {kind.__name__}")
        if result is None:
            result = found
        elif _KIND_RANK[found.kind] != _KIND_RANK[result.kind]:
            result = max(result, found, key=lambda d: _KIND_RANK[d.kind])
        else:
            result = np.promote_types(result, found)
    return result if result is not None else backend.get_default_dtype().np


_INT64_LIMIT = 2**63


def _converted(leaves: list[Any], np_dtype: np.dtype) -> np.ndarray:
    """The numbers as a flat array of `np_dtype`, refusing those PyTorch refuses."""
    if np_dtype.kind == "b":
        return np.array([bool(v) for v in leaves], dtype=bool)
    if np_dtype.kind in "fc":
        # Through float64 (exact for Python floats); an int beyond it raises Python's
        # OverflowError, and float32's overflow gives inf, both as in PyTorch.
        wide = np.array(leaves, dtype=np.complex128 if np_dtype.kind == "c" else np.float64)
        if wide.dtype == np_dtype:
            return wide
        with np.errstate(over="ignore"):  # inf, silently, as PyTorch gives it
            return wide.astype(np_dtype)
    ints = [v for v in leaves if type(v) is int]
    if ints and (max(ints) >= _INT64_LIMIT or min(ints) < -_INT64_LIMIT):
        raise ValueError("Overflow when unpacking long long")
    wide = np.array(leaves)
    if wide.size and _overflows(wide, np_dtype):
        name = backend.from_numpy_dtype(np_dtype).name
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    return wide.astype(np_dtype)


def _overflows(values: np.ndarray, np_dtype: np.dtype) -> bool:
    """Whether some value lies outside `np_dtype` by PyTorch's (c10's) rule.

    For an unsigned type a negative integer wraps around as long as its magnitude
    fits; a float must lie within the type's range.
    """
    limits = np.iinfo(np_dtype)
    if values.dtype.kind == "f":
        return bool(np.isnan(values).any() or (values < limits.min).any()
                    or (values > float(limits.max)).any())
    low = -int(limits.max) if limits.min == 0 else int(limits.min)
    return bool((values < low).any() or (values > limits.max).any())


def tensor(data: Any, *, dtype: DType | None = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (floats become float32 unless `dtype` says).

    It is made on `device`, or where `data` is (a tensor or an array on a GPU stays there).
    """
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.clone()."
            "detach() or sourceTensor.clone().detach().requires_grad_(True), rather than "
            "torch.tensor(sourceTensor).", UserWarning, stacklevel=2)
        array = data._data.copy()
    else:
        array = _infer_array(data, dtype)
        if array is data:
            array = array.copy()  # never share the caller's array
    if dtype is not None and array.dtype != dtype.np:
        array = array.astype(dtype.np)
    return _finish(array, requires_grad, device)


def as_tensor(data: Any, dtype: DType | None = None, device: Any = None) -> Tensor:
    """`data` as a tensor, sharing memory with a tensor or an array when it can.

    It stays where `data` is unless `device` names another device.
    """
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype)
    array = _infer_array(data, dtype)
    return _finish(array if dtype is None else array.astype(dtype.np, copy=False), False, device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array."""
    backend.from_numpy_dtype(array.dtype)
    return Tensor._wrap(array)


def _filled(shape: tuple[int, ...], value: Any, dtype: DType | None, device: Any,
            requires_grad: bool) -> Tensor:
    return _finish(_module(device).full(shape, value, dtype=_default(dtype)), requires_grad,
                   device)


def zeros(*dims: Any, size: Sequence[int] | None = None, dtype: DType | None = None,
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return _filled(_shape_argument("zeros", dims, size), 0, dtype, device,
                   requires_grad)


def ones(*dims: Any, size: Sequence[int] | None = None, dtype: DType | None = None,
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _filled(_shape_argument("ones", dims, size), 1, dtype, device,
                   requires_grad)


def empty(*dims: Any, size: Sequence[int] | None = None, dtype: DType | None = None,
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor whose values are not set (minigrad fills them with zeros)."""
    return _filled(_shape_argument("empty", dims, size), 0, dtype, device,
                   requires_grad)


def full(size: Sequence[int], fill_value: Any, *, dtype: DType | None = None,
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with `fill_value` (its dtype follows the value unless given)."""
    shape = _size_sequence(size, "full", 1)
    if dtype is None:
        dtype = backend.from_numpy_dtype(_infer_array(checked_fill_value(
            fill_value, None, "full(): argument 'fill_value' (position 2)")).dtype)
    value = checked_fill_value(fill_value, dtype.np, "full(): argument 'fill_value' (position 2)")
    return _filled(shape, value, dtype, device, requires_grad)


# c10 names its types after C's: int64_t, int, float, double.
_C10_NAMES = {"int32": "int", "float16": "c10::Half", "float32": "float", "float64": "double"}


_REAL_TYPES = (int, float, np.integer, np.floating)


def checked_fill_value(value: Any, np_dtype: np.dtype | None, argument: str) -> Any:
    """`value` (a number or a one-element tensor) as a number that fits `np_dtype`.

    `argument` names it in the TypeError for a value that is not a number.
    """
    if isinstance(value, Tensor):
        value = value.item()
    if not isinstance(value, (bool, int, float, complex, np.number, np.bool_)):
        raise TypeError(f"{argument} must be Number, not {type(value).__name__}")
    if type(value) is int and not -_INT64_LIMIT <= value < _INT64_LIMIT:
        raise OverflowError("int too big to convert")
    if np_dtype is None:
        return value
    if np_dtype.kind in "iu":
        overflows = _overflows(np.array(value), np_dtype)
    else:  # a float overflows when finite and beyond the type's range: inf is kept
        overflows = (np_dtype.kind == "f" and isinstance(value, _REAL_TYPES)
                     and math.isfinite(value) and abs(value) > _limits(np_dtype)[1])
    if overflows:
        name = _C10_NAMES.get(np_dtype.name, f"{np_dtype.name}_t")
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    if np_dtype.kind == "u" and isinstance(value, (int, np.integer)) and value < 0:
        return np.array(value).astype(np_dtype)[()]  # wrapped round, as C++'s cast does
    return value


def eye(n: int, m: int | None = None, *, dtype: DType | None = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix."""
    return _finish(_module(device).eye(n, m, dtype=_default(dtype)), requires_grad, device)


def _like(input: Tensor, dtype: DType | None, device: Any
          ) -> tuple[tuple[int, ...], DType, backend.device]:
    """Shape, dtype and device of a `*_like` result: `input`'s unless given."""
    return input._data.shape, dtype or input.dtype, input.device if device is None else device


def zeros_like(input: Tensor, *, dtype: DType | None = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(input, dtype, device)
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype: DType | None = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(input, dtype, device)
    return ones(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(input: Tensor, *, dtype: DType | None = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(input, dtype, device)
    return empty(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: DType | None = None,
              device: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(input, dtype, device)
    return full(shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


_ARANGE_SIGNATURES = ("(Number end, *, torch.dtype dtype = None, torch.device device = None, "
                      "bool requires_grad = False)",
                      "(Number start, Number end, Number step = 1, *, torch.dtype dtype = None, "
                      "torch.device device = None, bool requires_grad = False)")


def _check_arange_numbers(start: Any, end: Any, step: Any) -> None:
    """PyTorch's TypeError for an `arange` bound that is not a number."""
    given = [start] if end is None else [start, end, step]
    if all(isinstance(v, (int, float, np.number, Tensor)) for v in given):
        return
    if end is None:  # PyTorch calls a lone bound `end`
        raise TypeError("arange(): argument 'end' (position 1) must be Number, not "
                        f"{type(start).__name__}")
    raise TypeError(invalid_combination("arange", _ARANGE_SIGNATURES, tuple(given), {}, 0))


def arange(start: float, end: float | None = None, step: float = 1, *,
           dtype: DType | None = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Values from `start` up to (not including) `end`, `step` apart."""
    _check_arange_numbers(start, end, step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = backend.int64 if integral else backend.get_default_dtype()
    count = max(0, int(np.ceil((end - start) / step)))
    values = start + step * np.arange(count, dtype=np.float64)
    return _finish(values.astype(dtype.np), requires_grad, device)


_LINSPACE_SIGNATURES = tuple(
    f"({start} start, {end} end, int steps, *, Tensor out = None, torch.dtype dtype = None, "
    "torch.layout layout = None, torch.device device = None, bool pin_memory = False, "
    "bool requires_grad = False)"
    for start, end in (("Tensor", "Tensor"), ("Number", "Tensor"), ("Tensor", "Number"),
                       ("Number", "Number")))


def linspace(start: float, end: float, steps: int, *, dtype: DType | None = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from `start` to `end`, both included.

    Computed like PyTorch's CPU kernel, in the output's precision: the first
    half counts up from `start` and the second half down from `end`, so the
    printed values match PyTorch's to the last bit.
    """
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    np_dtype = _default(dtype)
    start, end = _checked_bounds(start, end, steps, np_dtype)
    if steps == 1:
        return _finish(np.full(1, start, dtype=np_dtype), requires_grad, device)
    compute = np_dtype if np_dtype.kind == "f" else np.dtype(np.float64)
    first, last = compute.type(start), compute.type(end)
    step = (last - first) / compute.type(max(steps - 1, 1))
    halfway = steps // 2
    # start + step * i for the first half, end - step * (steps - 1 - i) for the second: one
    # multiply-add each, which PyTorch's kernel fuses where the CPU can (see `exact`).
    fused = cpu.kernel().fused_multiply_add
    if fused and compute.type is np.float32:
        values = _float32_linspace_in_float64(float(first), float(last), float(step), steps)
        if values is not None:
            return _finish(values, requires_grad, device)
    fused = fused and compute.type is not np.float16  # Half rounds each product and sum
    index = np.arange(steps, dtype=compute)
    values = np.empty(steps, compute)
    values[:halfway] = exact.multiply_add(index[:halfway], step, first, fused=fused)
    values[halfway:] = exact.multiply_add(index[steps - 1 - halfway::-1], -step, last,
                                          fused=fused)
    return _finish(values.astype(np_dtype, copy=False), requires_grad, device)


def _float32_linspace_in_float64(first: float, last: float, step: float, steps: int
                                 ) -> np.ndarray | None:
    """linspace's float32 values computed exactly in float64 and rounded once, which are the
    FMA's values, in a few passes; None where float64 cannot hold every sum exactly."""
    halfway = steps // 2
    if not _sums_are_exact(first, last, step, halfway - 1, steps - 1 - halfway):
        return None
    wide = _linspace_counts(steps) * step
    if first or step <= 0:  # (from ±0 up, the products are the sums, signs too)
        wide[:halfway] += first
    wide[halfway:] += last
    return wide.astype(np.float32)


def _checked_bounds(start: Any, end: Any, steps: int, np_dtype: np.dtype) -> tuple[Any, Any]:
    """linspace's bounds as PyTorch reads them: numbers (its TypeError if not), and each one
    it uses (the start from one step on, the end from two) converted to the output's type,
    with its error for one beyond that type; a bool range of two steps or more is its
    NotImplementedError (no kernel computes one)."""
    if not (isinstance(start, _BOUND_TYPES) and isinstance(end, _BOUND_TYPES)):
        raise TypeError(invalid_combination("linspace", _LINSPACE_SIGNATURES,
                                            (start, end, steps), {}, 0))
    lowest, largest = _limits(np_dtype)
    if np_dtype.kind == "f" and lowest <= start <= largest and lowest <= end <= largest:
        return start, end  # the common case: floats within range, used as they are
    bounds = [start, end]
    for i in range(min(steps, 2)):
        if not lowest <= bounds[i] <= largest:  # (or NaN, inf, or a negative to wrap round)
            bounds[i] = checked_fill_value(bounds[i], np_dtype, "")
        if np_dtype.kind in "iu":
            bounds[i] = np.array(bounds[i]).astype(np_dtype).item()  # truncated, as C++ does
    if steps > 1 and np_dtype.kind == "b":
        raise NotImplementedError('"linspace_cpu" not implemented for \'Bool\'')
    return bounds[0], bounds[1]


_BOUND_TYPES = (int, float, np.number, Tensor)


@functools.cache
def _limits(np_dtype: np.dtype) -> tuple[float, float]:
    """The lowest and the largest value of a numeric dtype (a bool's: unbounded)."""
    if np_dtype.kind == "b":
        return -math.inf, math.inf
    info = (np.finfo if np_dtype.kind in "fc" else np.iinfo)(np_dtype)
    return float(info.min), float(info.max)


@functools.lru_cache(maxsize=16)
def _linspace_counts(steps: int) -> np.ndarray:
    """The multiples of the step that linspace adds to its start (i, first half) and to its
    end (-(steps - 1 - i), second half); kept for the step counts last used."""
    counts = np.arange(steps, dtype=np.float64)
    halfway = steps // 2
    counts[halfway:] = -counts[steps - 1 - halfway::-1]
    counts.flags.writeable = False
    return counts


def _sums_are_exact(first: float, last: float, step: float, up: int, down: int) -> bool:
    """Whether float64 holds first + k * step for 0 <= k <= `up` and last - k * step for
    0 <= k <= `down` exactly (all float32 values): each product has at most 24 + 29 bits, and
    both terms are whole multiples of the lower of their last bits, so a sum is exact while
    it stays under 2**53 of those."""
    if not (math.isfinite(first) and math.isfinite(last) and math.isfinite(step)) or (
            max(up, down) >= 2**29):
        return False
    step_bit = _last_bit(step)
    return (abs(first) + up * abs(step) < 2.0**53 * min(_last_bit(first), step_bit)
            and abs(last) + down * abs(step) < 2.0**53 * min(_last_bit(last), step_bit))


def _last_bit(value: float) -> float:
    """The weight of a float32's last significand bit, or less (a subnormal's is 2**-149, and
    this gives its float64 weight, 2**29 times float64's own last bit, which is smaller)."""
    if value == 0:
        return math.inf  # no bits: it constrains nothing
    return math.ulp(value) * 2.0**29


def _generator(generator: random.Generator | None) -> random.Generator:
    return generator if generator is not None else random.default_generator


def _float_dtype(dtype: DType | None, name: str) -> np.dtype:
    np_dtype = _default(dtype)
    if np_dtype.kind != "f":
        type_name = backend.from_numpy_dtype(np_dtype).name.title()
        raise RuntimeError(f"\"{name}\" not implemented for '{type_name}'")
    return np_dtype


def rand(*dims: Any, size: Sequence[int] | None = None,
         generator: random.Generator | None = None, dtype: DType | None = None,
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform random values in [0, 1)."""
    np_dtype = _float_dtype(dtype, "check_uniform_bounds")
    data = _generator(generator).uniform(_shape_argument("rand", dims, size), 0.0, 1.0, np_dtype)
    return _finish(data, requires_grad, device)


def randn(*dims: Any, size: Sequence[int] | None = None,
          generator: random.Generator | None = None, dtype: DType | None = None,
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal random values."""
    np_dtype = _float_dtype(dtype, "normal_kernel_cpu")
    data = _generator(generator).normal(_shape_argument("randn", dims, size), 0.0, 1.0, np_dtype)
    return _finish(data, requires_grad, device)


def randint(low: int, high: int | None = None, size: Sequence[int] = (), *,
            generator: random.Generator | None = None, dtype: DType | None = None,
            device: Any = None, requires_grad: bool = False) -> Tensor:
    """Random integers in [low, high)."""
    if high is None:
        low, high = 0, low
    np_dtype = (dtype or backend.int64).np
    return _finish(_generator(generator).randint(low, high, _size_sequence(size, 'randint', 2),
                                                   np_dtype),
                   requires_grad, device)


def randperm(n: int, *, generator: random.Generator | None = None, dtype: DType | None = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """A random ordering of 0 .. n-1."""
    np_dtype = (dtype or backend.int64).np
    return _finish(_generator(generator).randperm(n, np_dtype), requires_grad, device)


def rand_like(input: Tensor, *, dtype: DType | None = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(input, dtype, device)
    return rand(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype: DType | None = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(input, dtype, device)
    return randn(shape, dtype=dtype, device=device, requires_grad=requires_grad)
