"""`Tensor`: a NumPy array with what autograd needs around it.

A tensor holds its values, whether it `requires_grad`, its accumulated
`.grad`, the `grad_fn` node that made it, and a version counter that
in-place ops bump so that backward can refuse stale saved values. Its
methods are thin calls into `minigrad.ops`.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad import backend
from minigrad._arguments import wrap_dim
from minigrad.backend.dtypes import dtype as DType

if TYPE_CHECKING:
    from minigrad.autograd.graph import Node

__all__ = ["Size", "Tensor"]

_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)


class Size(tuple):
    """A tensor's shape: a tuple printed as `torch.Size([2, 3])`."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        """The number of elements of a tensor of this shape."""
        return int(np.prod(self, dtype=np.int64))


_ACCUMULATE_LOCK = threading.Lock()
# The operand types that the arithmetic operators pass to their op class unchecked.
_PYTHON_NUMBERS = frozenset({int, float})


# Set by `autograd.forward_ad` while a dual level is open: the tangent a tensor carries, which
# its printout shows (`tangent=...`).
_tangent_of: Callable[[Tensor], Tensor | None] | None = None


class _RemovableHandle:
    """Returned by `register_hook`: `handle.remove()` takes the hook off again."""

    def __init__(self, hooks: list[Callable[..., Any]], hook: Callable[..., Any]) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class _VersionCounter:
    """Counts in-place changes; shared by a tensor and its views."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


class Tensor:
    """A multi-dimensional array that can record how it was computed."""

    # The attributes every op result has, declared (less memory, faster to read); a new tensor
    # sets each in `_wrap`. Those that few tensors ever change are class defaults below, and a
    # tensor that changes one (or gets a learner's own label, `t.note = ...`, as PyTorch
    # allows) keeps it in a `__dict__` made on first use.
    __slots__ = (
        "__dict__",
        "__weakref__",  # the engine and hooks hold weak references to tensors
        "_base",  # the tensor this one is a view of, or None
        "_counter",  # _VersionCounter | None, made on first use: most tensors never need one
        "_data",  # the values: a NumPy array (or a CuPy one on a GPU)
        "_grad",  # accumulated by backward (leaves, and tensors that retain_grad)
        "_grad_fn",  # the node of the op that made this tensor; None for a leaf
        "_output_nr",  # which output of its grad_fn this tensor is
        "_requires_grad",  # set on this tensor itself (a view also asks its base)
        "_view_version",  # a view's version when its grad_fn was set: a later one remakes it
    )
    _backward_hooks: list[Callable[[Tensor], Any]] | None = None  # a leaf's `register_hook`s
    _grad_accumulator: Any = None  # weakref.ref[AccumulateGrad]: a leaf's one accumulator
    _is_inference = False  # made inside `inference_mode()`
    _multi_output_view = False  # one of several views an op returned (split, unbind)
    _retains_grad = False  # retain_grad() was called

    def __new__(cls, *args: Any, **kwargs: Any) -> Tensor:
        """A tensor whose data `__init__` sets (`Tensor(...)`, `nn.Parameter(...)`)."""
        return cls._wrap(None)  # type: ignore[arg-type]

    def __init__(self, data: Any = (), *, dtype: DType | None = None) -> None:
        self._data = ops.factories.data_of(data, dtype)

    @classmethod
    def _wrap(cls, data: np.ndarray, requires_grad: bool = False) -> Tensor:
        """A tensor around `data` (no copy), as ops make their results."""
        tensor = object.__new__(cls)
        tensor._data = data
        tensor._requires_grad = True if requires_grad else False
        tensor._grad = tensor._grad_fn = tensor._base = tensor._counter = None
        tensor._output_nr = tensor._view_version = 0
        if _grad_mode._inference_blocks and _grad_mode._state.inference:
            tensor._is_inference = True
        return tensor

    # Basic facts ---------------------------------------------------------

    @property
    def shape(self) -> Size:
        """The size of each dimension."""
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Size | int:
        """The shape, or the size of dimension `dim`."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    @property
    def dtype(self) -> DType:
        """The element type, such as `torch.float32`."""
        return backend.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> backend.device:
        """Where the values live: the CPU, or a GPU (`cuda:0`), as the array's type tells."""
        return backend.device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        """Whether the values live on a GPU."""
        return backend.device_of(self._data).type == "cuda"

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim: int | None = None) -> tuple[int, ...] | int:
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[self._wrap_dim(dim)]

    def _wrap_dim(self, dim: int) -> int:
        return wrap_dim(dim, self._data.ndim)

    @property
    def _version_counter(self) -> _VersionCounter:
        """Counts in-place changes; views and `detach()` share their tensor's counter."""
        counter = self._counter
        if counter is None:
            counter = self._counter = _VersionCounter()
        return counter

    @_version_counter.setter
    def _version_counter(self, counter: _VersionCounter) -> None:
        self._counter = counter

    @property
    def _version(self) -> int:
        if self._is_inference:
            raise RuntimeError("Inference tensors do not track version counter.")
        return self._version_counter.value

    def is_inference(self) -> bool:
        """Whether this tensor was made inside `inference_mode()` (autograd will not save it)."""
        return self._is_inference

    # Autograd state ------------------------------------------------------

    @property
    def grad_fn(self) -> Node | None:
        """The node of the op that made this tensor (None for a leaf).

        A view whose base was changed in place since gets a new node that reads its region
        of the changed base (AsStridedBackward0), made here on first use, as in PyTorch.
        """
        if self._base is not None and self._view_version != self._counter.value:
            ops.index_put.remake_view_history(self)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node: Node | None) -> None:
        self._grad_fn = node
        if self._base is not None:
            self._view_version = self._counter.value

    @property
    def requires_grad(self) -> bool:
        """Whether ops on this tensor record a graph for backward (a view: also whenever its
        base does, as in PyTorch)."""
        return self._requires_grad or (self._base is not None and self._base._requires_grad)

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            if value:
                return
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if value and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if value and self._is_inference and not _grad_mode._state.inference:
            raise RuntimeError("Setting requires_grad=True on inference tensor outside "
                               "InferenceMode is not allowed.")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set `requires_grad` in place and return self."""
        if not isinstance(requires_grad, bool):
            raise TypeError("requires_grad_(): argument 'requires_grad' (position 1) must be "
                            f"bool, not {type(requires_grad).__name__}")
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not made by a recorded op (their `grad_fn` is None)."""
        return self.grad_fn is None

    @property
    def grad(self) -> Tensor | None:
        """Gradients accumulated by backward (leaves, and tensors that `retain_grad()`)."""
        if self._grad_fn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            _check_assigned_grad(self, value)
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in `.grad` during backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self.grad_fn._retain_grad_of(self)
        self._retains_grad = True

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _RemovableHandle:
        """Call `hook(grad)` when this tensor's gradient is computed; it may return a new one."""
        if not self._requires_grad:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient"
            )
        if self.grad_fn is not None:
            return self.grad_fn._register_tensor_hook(self._output_nr, hook)
        if self._backward_hooks is None:
            self._backward_hooks = []
        self._backward_hooks.append(hook)
        return _RemovableHandle(self._backward_hooks, hook)

    def _accumulate_grad(self, new_grad: Tensor, keep_graph: bool, unshared: bool = False
                         ) -> None:
        """Add `new_grad` into `.grad`; in place unless the graph of the sum is wanted.

        A first gradient is copied, unless the engine found its array `unshared`
        (referenced nowhere else): then it is kept as it is, as PyTorch does.
        Atomic, as in PyTorch: threads running backward into one leaf lose no update.
        """
        if type(new_grad._data) is not type(self._data):  # a CPU scalar's grad from a GPU op
            new_grad = new_grad.to(self.device)
        # NumPy lets go of the GIL inside a large in-place add, so two threads could each
        # read the old `.grad` and one sum would be lost. One lock for every leaf costs a
        # single uncontended acquire per accumulation.
        with _ACCUMULATE_LOCK:
            if self._grad is None:
                if keep_graph or unshared:
                    self._grad = new_grad
                else:
                    self._grad = Tensor._wrap(new_grad._data.copy())
            elif keep_graph:
                self._grad = self._grad + new_grad
            else:
                np.add(self._grad._data, new_grad._data, out=self._grad._data, casting="unsafe")
                self._grad._version_counter.value += 1

    def _clear_grad(self, set_to_none: bool) -> None:
        """What `zero_grad` does to one parameter: drop `.grad`, or zero it in place."""
        grad = self._grad
        if grad is None:
            return
        if set_to_none:
            self._grad = None
            return
        if grad.grad_fn is not None:
            grad.detach_()
        else:
            grad.requires_grad_(False)
        grad.zero_()

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Compute the gradient of this tensor and accumulate it into the leaves' `.grad`."""
        _engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self) -> Tensor:
        """The same values, cut from the graph (sharing memory and version counter)."""
        result = Tensor._wrap(self._data)
        result._version_counter = self._version_counter
        if self._is_inference:
            result._is_inference = True
        return result

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        """The values as a tensor outside autograd (in-place changes to it are not tracked)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        old, self._data = self._data, value._data
        if (old.shape, old.dtype) != (value._data.shape, value._data.dtype):
            self._grad_accumulator = None  # its shape and dtype are the old ones

    # Conversions ---------------------------------------------------------

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a NumPy array sharing memory (refused while requires_grad or on a GPU).

        `force=True` gives them anyway: detached, and copied to the host from a GPU.
        """
        if force:
            return backend.to_host(self._data)
        place = backend.device_of(self._data)
        if place.type != "cpu":
            raise TypeError(f"can't convert {place} device type tensor to numpy. Use "
                            "Tensor.cpu() to copy the tensor to host memory first.")
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def cpu(self) -> Tensor:
        """This tensor on the CPU: itself if it is there, else a copy that backward goes through."""
        return self.to(backend.CPU)

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """This tensor on a GPU: `device` (an index or a name), or the current one."""
        target = backend.resolve("cuda" if device is None else device)
        if target.type != "cuda":
            raise RuntimeError("Invalid device, must be cuda device")
        return self.to(target)

    def item(self) -> float | int | bool:
        """The single value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        return self._data.tolist()

    def _single_number(self) -> Any:
        """The one element, for `float(x)` and `int(x)` (PyTorch's ValueError otherwise)."""
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __float__(self) -> float:
        return float(self._single_number())

    def __int__(self) -> int:
        return int(self._single_number())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            amount = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous")
        return bool(self._data.reshape(()).item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self) -> str:
        from minigrad import _printing

        tangent = None if _tangent_of is None else _tangent_of(self)
        return _printing.format_tensor(
            self._data,
            dtype=self.dtype,
            is_default_dtype=self._data.dtype == backend.get_default_dtype().np,
            grad_fn_name=type(self.grad_fn).__name__ if self.grad_fn is not None else None,
            requires_grad=self._requires_grad,
            tangent=None if tangent is None else repr(tangent),
        )

    __str__ = __repr__

    __hash__ = object.__hash__

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild_tensor, (self._data.copy(), self._requires_grad))

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment.  If you were attempting to deepcopy a module, "
                "this may be because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001"
            )
        result = type(self)._wrap(self._data.copy(), self._requires_grad)
        if self._grad is not None:
            result._grad = Tensor._wrap(self._grad._data.copy())
        memo[id(self)] = result
        return result

    # Ops -----------------------------------------------------------------
    # Each method below is the op of the same name in `minigrad.ops`, with this tensor as its
    # first argument: `x.sin()` is `ops.sin(x)`. Arguments pass through as given, so the op's
    # own signature, defaults and checks apply; an op that checks its argument types is called
    # through `as_method`, which numbers them as a method's (`x.mul(None)`: position 1).

    # Pointwise math, one tensor in.
    def abs(self) -> Tensor:
        return ops.abs(self)

    absolute = abs

    def atan(self) -> Tensor:
        return ops.atan(self)

    arctan = atan

    def ceil(self) -> Tensor:
        return ops.ceil(self)

    def cos(self) -> Tensor:
        return ops.cos(self)

    def cosh(self) -> Tensor:
        return ops.cosh(self)

    def exp(self) -> Tensor:
        return ops.exp(self)

    def exp2(self) -> Tensor:
        return ops.exp2(self)

    def expm1(self) -> Tensor:
        return ops.expm1(self)

    def floor(self) -> Tensor:
        return ops.floor(self)

    def log(self) -> Tensor:
        return ops.log(self)

    def log10(self) -> Tensor:
        return ops.log10(self)

    def log1p(self) -> Tensor:
        return ops.log1p(self)

    def log2(self) -> Tensor:
        return ops.log2(self)

    def neg(self) -> Tensor:
        return ops.neg(self)

    negative = neg

    def reciprocal(self) -> Tensor:
        return ops.reciprocal(self)

    def relu(self) -> Tensor:
        return ops.relu(self)

    def round(self) -> Tensor:
        return ops.round(self)

    def rsqrt(self) -> Tensor:
        return ops.rsqrt(self)

    def sigmoid(self) -> Tensor:
        return ops.sigmoid(self)

    def sgn(self) -> Tensor:
        return ops.sgn(self)

    def sign(self) -> Tensor:
        return ops.sign(self)

    def sin(self) -> Tensor:
        return ops.sin(self)

    def sinh(self) -> Tensor:
        return ops.sinh(self)

    def sqrt(self) -> Tensor:
        return ops.sqrt(self)

    def square(self) -> Tensor:
        return ops.square(self)

    def tan(self) -> Tensor:
        return ops.tan(self)

    def tanh(self) -> Tensor:
        return ops.tanh(self)

    def trunc(self) -> Tensor:
        return ops.trunc(self)

    # Pointwise math with more arguments (numbers or tensors that broadcast).
    def add(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.add.as_method(self, *args, **kwargs)

    def sub(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.sub.as_method(self, *args, **kwargs)

    subtract = sub

    def mul(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.mul.as_method(self, *args, **kwargs)

    multiply = mul

    def div(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.div.as_method(self, *args, **kwargs)

    divide = true_divide = div

    def pow(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.pow.as_method(self, *args, **kwargs)

    def clamp(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.clamp.as_method(self, *args, **kwargs)

    clip = clamp

    def clamp_max(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.clamp_max.as_method(self, *args, **kwargs)

    def clamp_min(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.clamp_min.as_method(self, *args, **kwargs)

    def maximum(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.maximum.as_method(self, *args, **kwargs)

    def minimum(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.minimum.as_method(self, *args, **kwargs)

    def masked_fill(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.masked_fill.as_method(self, *args, **kwargs)

    # Activations along a dim.
    def softmax(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.softmax.as_method(self, *args, **kwargs)

    def log_softmax(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.log_softmax(self, *args, **kwargs)

    # Comparison and logic: bool tensors outside the graph.
    def eq(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.eq.as_method(self, *args, **kwargs)

    def ne(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.ne.as_method(self, *args, **kwargs)

    not_equal = ne

    def lt(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.lt.as_method(self, *args, **kwargs)

    less = lt

    def le(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.le.as_method(self, *args, **kwargs)

    less_equal = le

    def gt(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.gt.as_method(self, *args, **kwargs)

    greater = gt

    def ge(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.ge.as_method(self, *args, **kwargs)

    greater_equal = ge

    def logical_and(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.logical_and.as_method(self, *args, **kwargs)

    def logical_or(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.logical_or.as_method(self, *args, **kwargs)

    def logical_xor(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.logical_xor.as_method(self, *args, **kwargs)

    def logical_not(self) -> Tensor:
        return ops.logical_not(self)

    def isfinite(self) -> Tensor:
        return ops.isfinite(self)

    def isinf(self) -> Tensor:
        return ops.isinf(self)

    def isnan(self) -> Tensor:
        return ops.isnan(self)

    def isclose(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.isclose(self, *args, **kwargs)

    def allclose(self, *args: Any, **kwargs: Any) -> bool:
        return ops.allclose(self, *args, **kwargs)

    def equal(self, *args: Any, **kwargs: Any) -> bool:
        return ops.equal(self, *args, **kwargs)

    # Reductions.
    def sum(self, *args: Any, **kwargs: Any) -> Tensor:
        if not args and not kwargs:
            return ops.reduction.SumAll.apply(self)  # `x.sum()`: no argument to check
        return ops.sum.as_method(self, *args, **kwargs)

    def mean(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.mean.as_method(self, *args, **kwargs)

    def max(self, *args: Any, **kwargs: Any) -> Any:
        return ops.max.as_method(self, *args, **kwargs)

    def min(self, *args: Any, **kwargs: Any) -> Any:
        return ops.min.as_method(self, *args, **kwargs)

    def amax(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.amax(self, *args, **kwargs)

    def amin(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.amin(self, *args, **kwargs)

    def argmax(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.argmax(self, *args, **kwargs)

    def argmin(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.argmin(self, *args, **kwargs)

    def norm(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.norm(self, *args, **kwargs)

    def sum_to_size(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.sum_to_size(self, *args, **kwargs)

    # Matrix products.
    def matmul(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.matmul.as_method(self, *args, **kwargs)

    def mm(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.mm(self, *args, **kwargs)

    def bmm(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.bmm(self, *args, **kwargs)

    def mv(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.mv(self, *args, **kwargs)

    def dot(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.dot(self, *args, **kwargs)

    def outer(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.outer(self, *args, **kwargs)

    def addmm(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.addmm(self, *args, **kwargs)

    # Shape: views and copies that rearrange the elements.
    def view(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.view(self, *args, **kwargs)

    def view_as(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.view_as(self, *args, **kwargs)

    def reshape(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.reshape(self, *args, **kwargs)

    def flatten(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.flatten(self, *args, **kwargs)

    def unflatten(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.unflatten(self, *args, **kwargs)

    def squeeze(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.squeeze.as_method(self, *args, **kwargs)

    def unsqueeze(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.unsqueeze.as_method(self, *args, **kwargs)

    def expand(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.expand(self, *args, **kwargs)

    def expand_as(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.expand_as(self, *args, **kwargs)

    def repeat(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.repeat(self, *args, **kwargs)

    def permute(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.permute(self, *args, **kwargs)

    def movedim(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.movedim(self, *args, **kwargs)

    def transpose(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.transpose.as_method(self, *args, **kwargs)

    swapaxes = swapdims = transpose

    def t(self) -> Tensor:
        return ops.t(self)

    @property
    def T(self) -> Tensor:
        """The dims in reverse order."""
        return ops.permute(self, tuple(reversed(range(self._data.ndim))))

    @property
    def mT(self) -> Tensor:
        """Transpose of the last two dims."""
        return self.transpose(-2, -1)

    def narrow(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.narrow(self, *args, **kwargs)

    def select(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.select(self, *args, **kwargs)

    def chunk(self, *args: Any, **kwargs: Any) -> tuple[Tensor, ...]:
        return ops.chunk(self, *args, **kwargs)

    def split(self, *args: Any, **kwargs: Any) -> tuple[Tensor, ...]:
        return ops.split(self, *args, **kwargs)

    def unbind(self, *args: Any, **kwargs: Any) -> tuple[Tensor, ...]:
        return ops.unbind(self, *args, **kwargs)

    def contiguous(self) -> Tensor:
        return ops.contiguous(self)

    def clone(self) -> Tensor:
        return ops.clone(self)

    # Dtype and device.
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.to(self, *args, **kwargs)

    def type_as(self, other: Tensor) -> Tensor:
        """This tensor as `other`'s dtype (itself if it already is)."""
        return self.to(other.dtype)

    # New tensors with this one's dtype and device (keywords override them).
    def new_tensor(self, data: Any, **kwargs: Any) -> Tensor:
        return ops.factories.new_tensor(self, data, **kwargs)

    def new_zeros(self, *size: Any, **kwargs: Any) -> Tensor:
        return ops.factories.new_zeros(self, *size, **kwargs)

    def new_ones(self, *size: Any, **kwargs: Any) -> Tensor:
        return ops.factories.new_ones(self, *size, **kwargs)

    def new_full(self, size: Any, value: Any, **kwargs: Any) -> Tensor:
        return ops.factories.new_full(self, size, value, **kwargs)

    # In-place ops: `x.sin_()` runs `ops.sin` and writes the result into `x`, taking over its
    # history (`ops.apply_inplace`: version counter, PyTorch's checks, a `SinBackward0` node).
    def abs_(self) -> Tensor:
        return ops.apply_inplace(self, ops.abs)

    def add_(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.add_(self, *args, **kwargs)

    def ceil_(self) -> Tensor:
        return ops.apply_inplace(self, ops.ceil)

    def clamp_(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.apply_inplace(self, ops.clamp, *args, **kwargs)

    def clamp_max_(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.apply_inplace(self, ops.clamp_max, *args, **kwargs)

    def clamp_min_(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.apply_inplace(self, ops.clamp_min, *args, **kwargs)

    def clip_(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.apply_inplace(self, ops.clip, *args, **kwargs)

    def cos_(self) -> Tensor:
        return ops.apply_inplace(self, ops.cos)

    def cosh_(self) -> Tensor:
        return ops.apply_inplace(self, ops.cosh)

    def div_(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.apply_inplace(self, ops.div, *args, **kwargs)

    def exp_(self) -> Tensor:
        return ops.apply_inplace(self, ops.exp)

    def expm1_(self) -> Tensor:
        return ops.apply_inplace(self, ops.expm1)

    def floor_(self) -> Tensor:
        return ops.apply_inplace(self, ops.floor)

    def log_(self) -> Tensor:
        return ops.apply_inplace(self, ops.log)

    def log10_(self) -> Tensor:
        return ops.apply_inplace(self, ops.log10)

    def log1p_(self) -> Tensor:
        return ops.apply_inplace(self, ops.log1p)

    def log2_(self) -> Tensor:
        return ops.apply_inplace(self, ops.log2)

    def masked_fill_(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.apply_inplace(self, ops.masked_fill, *args, **kwargs)

    def mul_(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.apply_inplace(self, ops.mul, *args, **kwargs)

    def neg_(self) -> Tensor:
        return ops.apply_inplace(self, ops.neg)

    def pow_(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.apply_inplace(self, ops.pow, *args, **kwargs)

    def reciprocal_(self) -> Tensor:
        return ops.apply_inplace(self, ops.reciprocal)

    def relu_(self) -> Tensor:
        return ops.apply_inplace(self, ops.relu)

    def round_(self) -> Tensor:
        return ops.apply_inplace(self, ops.round)

    def rsqrt_(self) -> Tensor:
        return ops.apply_inplace(self, ops.rsqrt)

    def sigmoid_(self) -> Tensor:
        return ops.apply_inplace(self, ops.sigmoid)

    def sign_(self) -> Tensor:
        return ops.apply_inplace(self, ops.sign)

    def sin_(self) -> Tensor:
        return ops.apply_inplace(self, ops.sin)

    def sinh_(self) -> Tensor:
        return ops.apply_inplace(self, ops.sinh)

    def sqrt_(self) -> Tensor:
        return ops.apply_inplace(self, ops.sqrt)

    def square_(self) -> Tensor:
        return ops.apply_inplace(self, ops.square)

    def sub_(self, *args: Any, **kwargs: Any) -> Tensor:
        return ops.apply_inplace(self, ops.sub, *args, **kwargs)

    def tan_(self) -> Tensor:
        return ops.apply_inplace(self, ops.tan)

    def tanh_(self) -> Tensor:
        return ops.apply_inplace(self, ops.tanh)

    def trunc_(self) -> Tensor:
        return ops.apply_inplace(self, ops.trunc)

    def zero_(self) -> Tensor:
        return ops.zero_(self)

    def fill_(self, value: Any) -> Tensor:
        return ops.fill_(self, value)

    def copy_(self, src: Tensor, non_blocking: bool = False) -> Tensor:
        return ops.copy_(self, src, non_blocking)

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
        """Refill with values drawn uniformly from [a, b)."""
        ops.inplace.check_inplace_allowed(self)
        return ops.factories.fill_random(self, "uniform", a, b, generator)

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
        """Refill with values drawn from a normal distribution."""
        ops.inplace.check_inplace_allowed(self)
        return ops.factories.fill_random(self, "normal", mean, std, generator)

    def __setitem__(self, key: Any, value: Any) -> None:
        """`t[key] = value`: an in-place write into the selected elements."""
        ops.inplace.setitem(self, key, value)

    # Operators -------------------------------------------------------------
    # A binary operator gives Python `NotImplemented` for an operand of the wrong type, as
    # PyTorch's do: `x * None` is then Python's own TypeError ("unsupported operand type(s)
    # for *: 'Tensor' and 'NoneType'"), and `x == None` is False. Each writes its `try` out
    # rather than sharing a wrapper: a wrapper would cost every operator a Python call.
    # The most common operators go straight to their op class when `other` is a tensor or a
    # Python number, which the op's type check would pass anyway (a fifth of their cost).
    def __add__(self, other: Any) -> Tensor:
        if isinstance(other, Tensor) or type(other) in _PYTHON_NUMBERS:
            return ops.pointwise.Add.apply(self, other)
        try:
            return ops.add(self, other)
        except TypeError:
            return NotImplemented

    def __radd__(self, other: Any) -> Tensor:
        if isinstance(other, Tensor) or type(other) in _PYTHON_NUMBERS:
            return ops.pointwise.Add.apply(self, other)
        try:
            return ops.add(self, other)
        except TypeError:
            return NotImplemented

    def __iadd__(self, other: Any) -> Tensor:
        try:
            return ops.apply_inplace(self, ops.add, other)
        except TypeError:
            return NotImplemented

    def __sub__(self, other: Any) -> Tensor:
        try:
            return ops.sub(self, other)
        except TypeError:
            return NotImplemented

    def __rsub__(self, other: Any) -> Tensor:
        try:
            return ops.rsub(self, other)
        except TypeError:
            return NotImplemented

    def __isub__(self, other: Any) -> Tensor:
        try:
            return ops.apply_inplace(self, ops.sub, other)
        except TypeError:
            return NotImplemented

    def __mul__(self, other: Any) -> Tensor:
        if isinstance(other, Tensor) or type(other) in _PYTHON_NUMBERS:
            return ops.pointwise.Mul.apply(self, other)
        try:
            return ops.mul(self, other)
        except TypeError:
            return NotImplemented

    def __rmul__(self, other: Any) -> Tensor:
        if isinstance(other, Tensor) or type(other) in _PYTHON_NUMBERS:
            return ops.pointwise.Mul.apply(self, other)
        try:
            return ops.mul(self, other)
        except TypeError:
            return NotImplemented

    def __imul__(self, other: Any) -> Tensor:
        try:
            return ops.apply_inplace(self, ops.mul, other)
        except TypeError:
            return NotImplemented

    def __truediv__(self, other: Any) -> Tensor:
        if isinstance(other, Tensor) or type(other) in _PYTHON_NUMBERS:
            return ops.pointwise.Div.apply(self, other)
        try:
            return ops.div(self, other)
        except TypeError:
            return NotImplemented

    def __rtruediv__(self, other: Any) -> Tensor:
        """`other / self`, recorded as PyTorch records `2 / x`: reciprocal, then multiply."""
        try:
            return ops.reciprocal(self) * other
        except TypeError:
            return NotImplemented

    def __itruediv__(self, other: Any) -> Tensor:
        try:
            return ops.apply_inplace(self, ops.div, other)
        except TypeError:
            return NotImplemented

    def __pow__(self, other: Any) -> Tensor:
        try:
            return ops.pow(self, other)
        except TypeError:
            return NotImplemented

    def __rpow__(self, other: Any) -> Tensor:
        try:
            return ops.pow(other, self)
        except TypeError:
            return NotImplemented

    def __ipow__(self, other: Any) -> Tensor:
        try:
            return ops.apply_inplace(self, ops.pow, other)
        except TypeError:
            return NotImplemented

    def __matmul__(self, other: Any) -> Tensor:
        try:
            return ops.matmul(self, other)
        except TypeError:
            return NotImplemented

    def __rmatmul__(self, other: Any) -> Tensor:
        try:
            return ops.matmul(other, self)
        except TypeError:
            return NotImplemented

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        try:
            return ops.eq(self, other)
        except TypeError:
            return NotImplemented

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        try:
            return ops.ne(self, other)
        except TypeError:
            return NotImplemented

    def __lt__(self, other: Any) -> Tensor:
        try:
            return ops.lt(self, other)
        except TypeError:
            return NotImplemented

    def __le__(self, other: Any) -> Tensor:
        try:
            return ops.le(self, other)
        except TypeError:
            return NotImplemented

    def __gt__(self, other: Any) -> Tensor:
        try:
            return ops.gt(self, other)
        except TypeError:
            return NotImplemented

    def __ge__(self, other: Any) -> Tensor:
        try:
            return ops.ge(self, other)
        except TypeError:
            return NotImplemented

    def __and__(self, other: Any) -> Tensor:
        try:
            return ops.bitwise_and(self, other)
        except TypeError:
            return NotImplemented

    def __or__(self, other: Any) -> Tensor:
        try:
            return ops.bitwise_or(self, other)
        except TypeError:
            return NotImplemented

    def __xor__(self, other: Any) -> Tensor:
        try:
            return ops.bitwise_xor(self, other)
        except TypeError:
            return NotImplemented

    # Unary operators and indexing.
    def __neg__(self) -> Tensor:
        return ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return ops.abs(self)

    def __invert__(self) -> Tensor:
        return ops.bitwise_not(self)

    def __getitem__(self, key: Any) -> Tensor:
        return ops.getitem(self, key)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy's ufuncs on tensors, as on PyTorch's.

        An operator ufunc with a NumPy operand is the tensor's operator (recorded as usual):
        `np.float32(2) * t` is `t.__rmul__(np.float32(2))`. Any other ufunc, `np.sin(t)`, runs
        on the values, which needs `numpy()` (so PyTorch's error while the tensor requires
        grad), and gives a tensor back.
        """
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

    # Dtype conversions, last in the class: their names (float, int, bool) would hide the
    # builtins from any class-level line after them.
    def float(self) -> Tensor:
        return self.to(backend.float32)

    def double(self) -> Tensor:
        return self.to(backend.float64)

    def half(self) -> Tensor:
        return self.to(backend.float16)

    def long(self) -> Tensor:
        return self.to(backend.int64)

    def int(self) -> Tensor:
        return self.to(backend.int32)

    def bool(self) -> Tensor:
        return self.to(backend.bool)


# The C++ type names PyTorch's message gives a gradient's dtype, and the names of the dtypes.
_CPP_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
                   "int64": "long int", "int32": "int", "int16": "short int",
                   "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}
_SCALAR_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half",
                      "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                      "uint8": "Byte", "bool": "Bool"}


def _check_assigned_grad(tensor: Tensor, grad: Any) -> None:
    """Refuse `tensor.grad = grad` as PyTorch does: no tensor, itself, or another dtype or size."""
    if not isinstance(grad, Tensor):
        raise TypeError("assigned grad expected to be a Tensor or None but got grad of type "
                        f"{type(grad).__name__}")
    if grad is tensor:
        raise RuntimeError("can't assign Variable as its own grad")
    if grad._data.dtype != tensor._data.dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{_CPP_TYPE_NAMES[grad._data.dtype.name]}'"
            f" to a tensor with grad_dtype '{_SCALAR_TYPE_NAMES[tensor._data.dtype.name]}'. The "
            "gradient must match the tensor's grad_dtype (defaults to the tensor's dtype). You "
            "can set the tensor's grad_dtype attribute with a specific dtype, or None to allow "
            "any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and its "
            "gradient may break downstream systems that assume they match.")
    if grad._data.shape != tensor._data.shape:
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(grad.shape)}' to a tensor of size "
            f"'{list(tensor.shape)}'. Please ensure that the gradient and the tensor are the "
            "same size")


# NumPy ufuncs that are operators, and the tensor's operator and reflected operator for each.
_OPERATOR_UFUNCS = {
    "add": ("__add__", "__radd__"), "subtract": ("__sub__", "__rsub__"),
    "multiply": ("__mul__", "__rmul__"), "true_divide": ("__truediv__", "__rtruediv__"),
    "power": ("__pow__", "__rpow__"), "matmul": ("__matmul__", "__rmatmul__"),
    "greater": ("__gt__", "__lt__"), "less": ("__lt__", "__gt__"),
    "greater_equal": ("__ge__", "__le__"), "less_equal": ("__le__", "__ge__"),
    "equal": ("__eq__", "__eq__"), "not_equal": ("__ne__", "__ne__"),
}


def _as_view(result: Tensor, base: Tensor) -> Tensor:
    """Mark `result` as a view of `base`: they share memory, so they share a version counter."""
    result._version_counter = base._version_counter
    result._base = base._base if base._base is not None else base
    result._view_version = result._counter.value
    if base._multi_output_view:  # a view of such a view inherits the restriction
        result._multi_output_view = True
    if result._is_inference is not base._is_inference:  # a view is what its base is
        result._is_inference = base._is_inference
    return result


def _rebuild_tensor(data: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._wrap(data, requires_grad)


# Imported last, once Tensor exists: these modules use Tensor themselves (`minigrad.ops`
# builds its ops around it, the engine runs on it), so Tensor's methods look them up when
# they run.
from minigrad import ops  # noqa: E402
from minigrad.autograd import engine as _engine  # noqa: E402
from minigrad.autograd import grad_mode as _grad_mode  # noqa: E402

