"""`Tensor`: a NumPy array with what autograd needs around it.

A tensor holds its values, whether it `requires_grad`, its accumulated
`.grad`, the `grad_fn` node that made it, and a version counter that
in-place ops bump so that backward can refuse stale saved values. Its
methods are thin calls into `minigrad.ops`.
"""

from __future__ import annotations

import threading
import warnings
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad import backend
from minigrad import backend as _backend  # its dtype names, once reached as _backend
from minigrad.backend.dtypes import dtype as DType

if TYPE_CHECKING:
    from minigrad.autograd.graph import Node, _RemovableHandle

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


class _VersionCounter:
    """Counts in-place changes; shared by a tensor and its views."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


class Tensor:
    """A multi-dimensional array that can record how it was computed."""

    # Defaults on the class: a new tensor sets only its data and version counter.
    _requires_grad = False
    _grad: Tensor | None = None
    _grad_fn: Node | None = None
    _output_nr = 0
    _retains_grad = False
    _grad_accumulator: weakref.ref[AccumulateGrad] | None = None
    _backward_hooks: list[Callable[[Tensor], Tensor | None]] | None = None
    _base: Tensor | None = None  # the tensor this one is a view of
    _view_version = 0  # a view's version when its grad_fn was set: a later one remakes it
    _multi_output_view = False  # one of several views an op returned (split, unbind)
    _counter: _VersionCounter | None = None  # made on first use: most tensors never need one
    _is_inference = False  # made inside `inference_mode()`

    def __init__(self, data: Any = (), *, dtype: DType | None = None) -> None:
        from minigrad import _creation

        made = _creation.tensor(data, dtype=dtype or _backend.get_default_dtype())
        self._data = made._data

    @classmethod
    def _wrap(cls, data: np.ndarray, requires_grad: bool = False) -> Tensor:
        """A tensor around `data` (no copy), as ops make their results."""
        tensor = object.__new__(cls)
        tensor._data = data
        if requires_grad:
            tensor._requires_grad = True
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
        return _backend.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> _backend.device:
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
        from minigrad.ops._util import wrap_dim

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
            from minigrad.ops.index_put import remake_view_history

            remake_view_history(self)
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
        from minigrad.autograd.graph import _RemovableHandle

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

    def _grad_accumulator_node(self) -> AccumulateGrad:
        """The one `AccumulateGrad` of this leaf, alive while some graph uses it."""
        node = self._grad_accumulator() if self._grad_accumulator is not None else None
        if node is None:
            node = AccumulateGrad(self)
            self._grad_accumulator = weakref.ref(node)
        return node

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
        from minigrad.autograd.engine import backward

        backward(self, gradient, retain_graph, create_graph, inputs)

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
        return self.to(_backend.CPU)

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
        from minigrad.autograd import forward_ad

        tangent = forward_ad.tangent_of(self)
        return _printing.format_tensor(
            self._data,
            dtype=self.dtype,
            is_default_dtype=self._data.dtype == _backend.get_default_dtype().np,
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


def _rebuild_tensor(data: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._wrap(data, requires_grad)


# Imported last: these modules use Tensor themselves.
from minigrad import _tensor_methods  # noqa: E402  (attaches the op methods to Tensor)
from minigrad.autograd import grad_mode as _grad_mode  # noqa: E402
from minigrad.autograd.graph import AccumulateGrad  # noqa: E402

_tensor_methods.attach(Tensor)
