"""Matrix products: dot, mv, mm, addmm, bmm and the `@` operator that picks among them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad import backend
from minigrad._tensor import Tensor
from minigrad.autograd import forward_ad as _fw
from minigrad.autograd.function import BackwardFunction, Function
from minigrad.ops import _formula
from minigrad.ops._formula import ArrayOrTensor
from minigrad.ops._util import check_broadcast, checks_argument_types, cpp_type_name
from minigrad.ops.reduction import dtype_title
from minigrad.ops.shape import SqueezeDimsList, unsafe_view

__all__ = ["addmm", "bmm", "dot", "matmul", "mm", "mv", "outer"]

# The CPU kernel each product dispatches to, named in PyTorch's error for bool tensors.
_KERNELS = {"dot": "dot", "mv": "addmv_impl_cpu", "mm": "addmm_impl_cpu_", "bmm": "bmm"}


def _same_dtype(op: str, a: Tensor, b: Tensor) -> None:
    """PyTorch's errors for a product of two dtypes, or of bool tensors (no kernel)."""
    if op == "bmm" and a._data.dtype == np.bool_:  # bmm dispatches on its first dtype first
        raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
    if a._data.dtype != b._data.dtype:
        titles = dtype_title(a._data.dtype), dtype_title(b._data.dtype)
        if op == "dot":
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                               f"{titles[0]} and {titles[1]}")
        if op == "mv":  # addmv's output takes the vector's dtype
            raise RuntimeError("addmv input tensors must have the same dtype, but got "
                               f"{titles[1]}, {titles[0]}, and {titles[1]}")
        if op == "bmm":
            raise RuntimeError(f"expected scalar type {titles[0]} but found {titles[1]}")
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                           f"{cpp_type_name(a._data.dtype)} != {cpp_type_name(b._data.dtype)}")
    # An empty product runs no kernel, except dot's.
    if a._data.dtype == np.bool_ and ((a._data.size and b._data.size) or op == "dot"):
        raise NotImplementedError(f"\"{_KERNELS[op]}\" not implemented for 'Bool'")


def _check_devices(kernel: str, **arguments: Tensor) -> None:
    """PyTorch's error if the arguments of a matrix product are on two devices.

    The check of PyTorch's CUDA kernel wrapper: `kernel` is the op's name in it,
    and the keywords are the arguments in PyTorch's order, named as PyTorch names them.
    Callers run it only when the arrays' types differ (one type, one device).
    """
    backend.check_argument_devices(kernel, [(n, t._data) for n, t in arguments.items()])


class Dot(Function, node_name="DotBackward0"):
    aten_name = "aten::dot"
    shows_forward = "result = self · tensor"
    shows_sends = ("grad * tensor", "grad * self")
    saved_names = ("self", "tensor")

    @staticmethod
    def forward(ctx: BackwardFunction, a: Tensor, b: Tensor) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return backend.as_array(np.dot(a._data, b._data))

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad * b, grad * a

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor
                         ) -> tuple[Tensor | None, Tensor | None]:
        """Each row of the batch scales the other vector."""
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        column = grad.unsqueeze(-1)
        return column * b if needs_a else None, column * a if needs_b else None

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
            ) -> Tensor | None:
        a, b = ctx.primal_inputs
        return _fw.add_tangents(None if tangent_a is None else (tangent_a * b).sum(-1),
                                None if tangent_b is None else (a * tangent_b).sum(-1))


class Mv(Function, node_name="MvBackward0"):
    aten_name = "aten::mv"
    shows_forward = "result = self @ vec"
    shows_sends = ("outer(grad, vec)", "selfᵀ @ grad")
    saved_names = ("self", "vec")

    @staticmethod
    def forward(ctx: BackwardFunction, m: Tensor, v: Tensor) -> np.ndarray:
        ctx.save_for_backward(m, v)
        return m._data @ v._data

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        m, v = ctx.saved_tensors
        return grad.unsqueeze(1) * v, m.t().mv(grad)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor
                         ) -> tuple[Tensor | None, Tensor | None]:
        """A batch of outer products for the matrix, of row-vector products for the vector."""
        m, v = ctx.saved_tensors
        needs_m, needs_v = ctx.needs_input_grad
        # The matrix's gradient is a batch of outer products: only build it when it is wanted.
        return grad.unsqueeze(-1) * v if needs_m else None, grad @ m if needs_v else None

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_m: Tensor | None, tangent_v: Tensor | None
            ) -> Tensor | None:
        m, v = ctx.primal_inputs
        return _fw.add_tangents(None if tangent_m is None else tangent_m @ v,
                                None if tangent_v is None else tangent_v @ m.t())


class Mm(Function, node_name="MmBackward0"):
    aten_name = "aten::mm"
    shows_forward = "result = self @ mat2"
    shows_sends = ("grad @ mat2ᵀ", "selfᵀ @ grad")
    saved_names = ("self", "mat2")
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, a: Tensor, b: Tensor) -> np.ndarray:
        needs_a, needs_b = ctx.needs_input_grad
        # dL/dA = G Bᵀ needs B; dL/dB = Aᵀ G needs A.
        ctx.save_for_backward(a if needs_b else None, b if needs_a else None)
        ctx.mat2_transposed = _is_transposed(b._data)
        return a._data @ b._data

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor
                ) -> tuple[ArrayOrTensor | None, ArrayOrTensor | None]:
        a, b = ctx.saved_tensors
        return (grad @ _formula.matrix_t(b) if b is not None else None,
                _mat2_grad(a, grad, ctx.mat2_transposed) if a is not None else None)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor
                         ) -> tuple[Tensor | None, Tensor | None]:
        """grad @ mat2ᵀ and mat1ᵀ @ grad, matmul broadcasting over the batch."""
        a, b = ctx.saved_tensors
        return (None if b is None else grad @ b.t(), None if a is None else a.t() @ grad)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
            ) -> Tensor | None:
        a, b = ctx.primal_inputs
        return _product_tangent(a, b, tangent_a, tangent_b)


def _is_transposed(matrix: Any) -> bool:
    """Whether a matrix is laid out column by column: a transposed view, as `weight.t()` is."""
    return matrix.ndim == 2 and not matrix.flags.c_contiguous and matrix.flags.f_contiguous


def _mat2_grad(mat1: Any, grad: Any, transposed: bool) -> Any:
    """Aᵀ G, the gradient of `mat2` in A @ mat2, laid out as mat2 was (as PyTorch does).

    For `x @ weight.t()` it is computed as (Gᵀ A)ᵀ: once TBackward turns it back,
    the weight's gradient is row-major and `.grad` can keep it without a copy.
    """
    if transposed:
        return _formula.matrix_t(_formula.matrix_t(grad) @ mat1)
    return _formula.matrix_t(mat1) @ grad


def _times_transposed(a: Any, b: Any) -> Any:
    """`a @ b` for a `b` laid out column by column (`x @ weight.t()`, a linear layer).

    OpenBLAS multiplies by a transposed right operand slowly when `a` has a few rows and `b`
    many columns (a small batch through a wide layer): 16 x 1000 @ 1000 x 100 took 103 µs,
    and 60 µs computed as (bᵀ aᵀ)ᵀ, then laid out by rows again (a copy of the small
    result). Both gave the same bits in all 30 shapes measured. Where `a` has one row, or
    more than a quarter as many rows as `b` has columns, or `b` fewer than 64 columns, the
    swap measured no faster.
    """
    rows, columns = (a.shape[0], b.shape[1]) if a.ndim == 2 else (0, 0)
    if type(a) is np.ndarray and 1 < rows and 4 * rows <= columns and columns >= 64:
        return np.ascontiguousarray((b.T @ a.T).T)
    return a @ b


class Addmm(Function, node_name="AddmmBackward0"):
    """beta * input + alpha * (mat1 @ mat2): a linear layer in one op."""

    aten_name = "aten::addmm"
    shows_forward = "@rule.linear"
    shows_sends = ("@rule.bias", "alpha * grad @ mat2ᵀ", "alpha * mat1ᵀ @ grad")

    saved_names = ("mat1", "mat2")
    _backward_on_arrays = True

    @staticmethod
    def forward(ctx: BackwardFunction, bias: Tensor, a: Tensor, b: Tensor, beta: float = 1,
                alpha: float = 1) -> np.ndarray:
        _, needs_a, needs_b = ctx.needs_input_grad
        ctx.save_for_backward(a if needs_b else None, b if needs_a else None)
        ctx.beta, ctx.alpha = beta, alpha
        ctx.mat2_transposed = _is_transposed(b._data)
        product = _times_transposed(a._data, b._data) if ctx.mat2_transposed else a._data @ b._data
        if alpha != 1:
            product *= alpha
        shift = bias._data if beta == 1 else beta * bias._data
        if shift.dtype != product.dtype:  # a beta that promotes (a NumPy float64)
            return product + shift
        # In the product's own memory: one pass, no new array (`addmm` checked that the bias
        # broadcasts to the product's shape).
        product += shift
        return product

    @staticmethod
    def backward(ctx: BackwardFunction, grad: ArrayOrTensor) -> tuple[ArrayOrTensor | None, ...]:
        a, b = ctx.saved_tensors
        scaled = grad if ctx.alpha == 1 else grad * ctx.alpha
        return (grad if ctx.beta == 1 else grad * ctx.beta,
                scaled @ _formula.matrix_t(b) if b is not None else None,
                _mat2_grad(a, scaled, ctx.mat2_transposed) if a is not None else None)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor | None, ...]:
        """Mm's products scaled by alpha, and beta · grad for the bias."""
        a, b = ctx.saved_tensors
        scaled = grad if ctx.alpha == 1 else grad * ctx.alpha
        return (grad if ctx.beta == 1 else grad * ctx.beta,
                None if b is None else scaled @ b.t(), None if a is None else a.t() @ scaled)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_bias: Tensor | None, tangent_a: Tensor | None,
            tangent_b: Tensor | None) -> Tensor | None:
        bias, a, b = ctx.primal_inputs
        product = _product_tangent(a, b, tangent_a, tangent_b)
        if product is not None and ctx.alpha != 1:
            product = product * ctx.alpha
        shift = _fw.lift(tangent_bias, bias, 2)
        if shift is not None and ctx.beta != 1:
            shift = shift * ctx.beta
        return _fw.add_tangents(shift, product)


class Bmm(Function, node_name="BmmBackward0"):
    aten_name = "aten::bmm"
    saved_names = ("self", "mat2")

    @staticmethod
    def forward(ctx: BackwardFunction, a: Tensor, b: Tensor) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.matmul(a._data, b._data).astype(b._data.dtype, copy=False)

    @staticmethod
    def backward(ctx: BackwardFunction, grad: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad.bmm(b.transpose(1, 2)), a.transpose(1, 2).bmm(grad)

    @staticmethod
    def backward_batched(ctx: BackwardFunction, grad: Tensor
                         ) -> tuple[Tensor | None, Tensor | None]:
        """Bmm's products with the last two dims swapped (the batch dim leads)."""
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad @ b.transpose(-1, -2) if needs_a else None,
                a.transpose(-1, -2) @ grad if needs_b else None)

    @staticmethod
    def jvp(ctx: BackwardFunction, tangent_a: Tensor | None, tangent_b: Tensor | None
            ) -> Tensor | None:
        a, b = ctx.primal_inputs
        return _product_tangent(a, b, tangent_a, tangent_b)


def _product_tangent(a: Tensor, b: Tensor, tangent_a: Tensor | None, tangent_b: Tensor | None
                     ) -> Tensor | None:
    """d(a @ b) = da @ b + a @ db, leaving out a term whose tangent is absent."""
    return _fw.add_tangents(None if tangent_a is None else tangent_a @ b,
                            None if tangent_b is None else a @ tangent_b)


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two vectors."""
    if type(input._data) is not type(tensor._data):
        _check_devices("_dot", self=input, tensor=tensor)
    if input._data.ndim != 1 or tensor._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and "
                           f"{tensor._data.ndim}D tensors")
    _same_dtype("dot", input, tensor)
    if input._data.shape != tensor._data.shape:
        n, m = input._data.shape[0], tensor._data.shape[0]
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same "
            f"number of elements, but got {n} and {m} elements respectively")
    return Dot.apply(input, tensor)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix times vector."""
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, "
                           f"{vec._data.ndim}")
    if type(input._data) is not type(vec._data):
        backend.check_same_device(input._data, vec._data)
    if input._data.shape[1] != vec._data.shape[0]:
        rows, cols = input._data.shape
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{cols}), "
                           f"vec ({vec._data.shape[0]})")
    _same_dtype("mv", input, vec)
    return Mv.apply(input, vec)


def _check_mm(a: Tensor, b: Tensor) -> None:
    """PyTorch's checks of the two matrices of mm (and addmm): dims, sizes, dtypes."""
    if a._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a._data.shape[1] != b._data.shape[0]:
        (n, k), (k2, m) = a._data.shape, b._data.shape
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{m})")
    _same_dtype("mm", a, b)


def _check_addmm(input: Tensor, mat1: Tensor, mat2: Tensor) -> None:
    """PyTorch's checks of addmm, in its order: the matrices' dims, the dtypes, the sizes,
    then whether `input` broadcasts to the product's shape (expand's error if not)."""
    bias, a, b = input._data, mat1._data, mat2._data
    if (a.ndim == 2 and b.ndim == 2 and a.dtype == b.dtype == bias.dtype
            and a.dtype.kind == "f" and a.shape[1] == b.shape[0]
            and bias.shape in ((b.shape[1],), (a.shape[0], b.shape[1]))):
        return  # a linear layer's: every check passes
    for name, matrix in (("mat1", mat1), ("mat2", mat2)):
        if matrix._data.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {matrix._data.ndim}-D tensor")
    for name, other in (("self", input), ("mat1", mat1)):
        if other._data.dtype != mat2._data.dtype:
            raise RuntimeError(f"{name} and mat2 must have the same dtype, but got "
                               f"{dtype_title(other._data.dtype)} and "
                               f"{dtype_title(mat2._data.dtype)}")
    (n, k), (k2, m) = mat1._data.shape, mat2._data.shape
    if k != k2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{m})")
    shape = input._data.shape
    if len(shape) > 2 or any(size not in (1, wanted)
                             for size, wanted in zip(reversed(shape), (m, n))):
        input.expand(n, m)  # raises PyTorch's error for a bias that does not broadcast
    _same_dtype("mm", mat1, mat2)  # a bool product's error


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Matrix times matrix."""
    if type(input._data) is not type(mat2._data):
        _check_devices("mm", self=input, mat2=mat2)
    _check_mm(input, mat2)
    return Mm.apply(input, mat2)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1,
          alpha: float = 1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2), with `input` broadcast to the product's shape."""
    if not type(input._data) is type(mat1._data) is type(mat2._data):
        _check_devices("addmm", self=input, mat1=mat1, mat2=mat2)
    _check_addmm(input, mat1, mat2)
    return Addmm.apply(input, mat1, mat2, beta=beta, alpha=alpha)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """A batch of matrix products: (b, n, k) @ (b, k, m)."""
    if type(input._data) is not type(mat2._data):
        _check_devices("bmm", self=input, mat2=mat2)
    if input._data.ndim != 3 or mat2._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if input._data.shape[0] != mat2._data.shape[0] or input._data.shape[2] != mat2._data.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{input._data.shape[0]}, {input._data.shape[2]}] but got: "
            f"[{mat2._data.shape[0]}, {mat2._data.shape[1]}].")
    if input._data.shape[1] and mat2._data.shape[2] and input._data.shape[0]:
        _same_dtype("bmm", input, mat2)  # an empty result is not checked (mat2's dtype)
    return Bmm.apply(input, mat2)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two vectors."""
    return input.reshape(-1, 1) * vec2


@checks_argument_types()
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """The `@` operator: dot, mv, mm, or a broadcast batch of mm, by the inputs' dims.

    The graph is the one PyTorch builds: a batch against a matrix or vector folds
    into one mm/mv when PyTorch's `should_fold` says so, else one bmm.
    """
    a_dim, b_dim = input._data.ndim, other._data.ndim
    if a_dim == 0 or b_dim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a_dim}D and {b_dim}D")
    if a_dim == 1 and b_dim == 1:
        return dot(input, other)
    if a_dim == 2 and b_dim == 1:
        return mv(input, other)
    if a_dim == 1 and b_dim == 2:
        product = mm(input.unsqueeze(0), other)
        result = SqueezeDimsList.apply(product, shape=product._data.shape[1:], dims=(0,))
        result._version_counter.value += 1  # PyTorch squeezes in place: the result is at 1
        return result
    if a_dim == 2 and b_dim == 2:
        return mm(input, other)
    if _should_fold(input, other):
        return _folded_matmul(input, other)
    return _batched_matmul(input, other)


def _should_fold(a: Tensor, b: Tensor) -> bool:
    """PyTorch's choice of folding the batch of the larger operand into the rows of one mm/mv.

    It folds when that costs no copy, and also when the smaller operand requires grad:
    its gradient is then one mm rather than a batch summed afterwards.
    """
    a_larger = a._data.ndim >= b._data.ndim
    larger = a._data if a_larger else np.swapaxes(b._data, -1, -2)
    smaller = b if a_larger else a
    if not (larger.ndim >= 3 and smaller._data.ndim <= 2):
        return False
    if smaller._requires_grad:
        return True
    if a._data.ndim == 2:  # folding would need a transposed copy of the result
        return False
    if larger.size == 0:
        return True
    strides, shape = larger.strides, larger.shape
    # The batch dims must fold into the rows without a copy (the matrix dims may be strided).
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(larger.ndim - 2))


def _folded_matmul(a: Tensor, b: Tensor) -> Tensor:
    """A batch @ a matrix or vector as one mm or mv over the batch's rows (a matrix or
    vector @ a batch is computed transposed: (bᵀ @ aᵀ)ᵀ)."""
    transpose = b._data.ndim > a._data.ndim
    larger = b.transpose(-2, -1) if transpose else a
    smaller = (a.t() if a._data.ndim == 2 else a) if transpose else b
    *lead, inner = larger._data.shape
    rows = larger.reshape(math.prod(lead), inner)
    if smaller._data.ndim == 1:
        return unsafe_view(mv(rows, smaller), tuple(lead))
    product = unsafe_view(mm(rows, smaller), (*lead, smaller._data.shape[1]))
    return product.transpose(-2, -1).contiguous() if transpose else product


def _batched_matmul(a: Tensor, b: Tensor) -> Tensor:
    """Broadcast the batch dims, flatten them into one, and run one bmm."""
    a_shape, b_shape = a._data.shape, b._data.shape
    n = a_shape[-2] if len(a_shape) > 1 else 1
    m2, p = (b_shape[-2], b_shape[-1]) if len(b_shape) > 1 else (b_shape[0], 1)
    a_batch, b_batch = a_shape[:-2], b_shape[:-2]
    check_broadcast(a_batch, b_batch)
    batch = tuple(np.broadcast_shapes(a_batch, b_batch))
    count = math.prod(batch)
    a3 = a.expand(*batch, n, a_shape[-1]).reshape(count, n, a_shape[-1])
    if len(b_shape) == 1:  # a vector is a batch of one-column matrices
        b3 = b.expand(*batch, m2).reshape(count, m2).unsqueeze(2)
    else:
        b3 = b.expand(*batch, m2, p).reshape(count, m2, p)
    product = bmm(a3, b3)
    if len(b_shape) == 1:
        product = product.squeeze(-1)
    shape = (*batch, *((n,) if len(a_shape) > 1 else ()), *((p,) if len(b_shape) > 1 else ()))
    return unsafe_view(product, shape)
