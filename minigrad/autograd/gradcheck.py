"""`gradcheck` and `gradgradcheck`: compare derivatives with central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from minigrad._tensor import Tensor
from minigrad.autograd.engine import grad as autograd_grad

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by `gradcheck` when analytical and numerical Jacobians disagree."""


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


def _numerical_jacobian(func: Callable[..., Any], inputs: tuple[Any, ...], position: int,
                        output_index: int, eps: float) -> np.ndarray:
    """d output / d input by central differences: (f(x + eps) - f(x - eps)) / 2 eps."""
    target = inputs[position]
    flat = target._data.reshape(-1)
    output_size = _as_tuple(func(*inputs))[output_index]._data.size
    jacobian = np.zeros((flat.size, output_size))
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        plus = _as_tuple(func(*inputs))[output_index]._data.astype(np.float64).reshape(-1)
        flat[i] = original - eps
        minus = _as_tuple(func(*inputs))[output_index]._data.astype(np.float64).reshape(-1)
        flat[i] = original
        jacobian[i] = (plus - minus) / (2 * eps)
    return jacobian


def _analytical_jacobian(outputs: tuple[Tensor, ...], inputs: tuple[Any, ...], position: int,
                         output_index: int) -> np.ndarray:
    """d output / d input row by row, one backward pass per output element."""
    output = outputs[output_index]
    target = inputs[position]
    jacobian = np.zeros((target._data.size, output._data.size))
    for j in range(output._data.size):
        seed = np.zeros(output._data.size, dtype=output._data.dtype)
        seed[j] = 1
        (g,) = autograd_grad(output, target, Tensor._wrap(seed.reshape(output._data.shape)),
                             retain_graph=True, allow_unused=True)
        if g is not None:
            jacobian[:, j] = g._data.reshape(-1)
    return jacobian


def gradcheck(func: Callable[..., Any], inputs: Tensor | Sequence[Any], *, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check the gradients of `func` at `inputs` against finite differences.

    Use float64 inputs with `requires_grad=True`: float32 is too coarse for
    the differences to mean anything, as in PyTorch.
    """
    inputs = _as_tuple(inputs) if not isinstance(inputs, list) else tuple(inputs)
    outputs = _as_tuple(func(*inputs))
    for position, target in enumerate(inputs):
        if not (isinstance(target, Tensor) and target._requires_grad):
            continue
        if target._data.dtype != np.float64:
            raise GradcheckError(
                f"Input #{position} is not a double precision floating point tensor: "
                "gradcheck needs float64 for the finite differences to be accurate."
            )
        for output_index, output in enumerate(outputs):
            if not (isinstance(output, Tensor) and output._requires_grad):
                continue
            numerical = _numerical_jacobian(func, inputs, position, output_index, eps)
            analytical = _analytical_jacobian(outputs, inputs, position, output_index)
            if not np.allclose(analytical, numerical, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {output_index} with respect to input "
                    f"{position},\nnumerical:{numerical}\nanalytical:{analytical}\n"
                )
    return True


def gradgradcheck(func: Callable[..., Any], inputs: Tensor | Sequence[Any],
                  grad_outputs: Tensor | Sequence[Tensor] | None = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check the second derivatives of `func` against finite differences of its first ones.

    The first derivatives (a vector-Jacobian product with `grad_outputs`,
    taken with `create_graph=True`) are a function of the inputs and of
    `grad_outputs`; `gradcheck` then compares their backward with finite
    differences. Without `grad_outputs`, random ones are drawn (fixed seed,
    so a failure reproduces) for the outputs that require grad.
    """
    inputs = tuple(inputs) if isinstance(inputs, list) else _as_tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            Tensor._wrap(rng.standard_normal(out._data.shape).astype(out._data.dtype), True)
            for out in _as_tuple(func(*inputs))
            if isinstance(out, Tensor) and out._requires_grad)
    else:
        grad_outputs = tuple(grad_outputs) if isinstance(grad_outputs, list) else _as_tuple(
            grad_outputs)
    count = len(inputs)

    def first_derivatives(*args: Any) -> tuple[Tensor, ...]:
        differentiable = tuple(a for a in args[:count]
                               if isinstance(a, Tensor) and a._requires_grad)
        outputs = tuple(out for out in _as_tuple(func(*args[:count]))
                        if isinstance(out, Tensor) and out._requires_grad)
        grads = autograd_grad(outputs, differentiable, args[count:], create_graph=True,
                              allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
