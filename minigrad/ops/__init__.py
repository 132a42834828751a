"""The differentiable ops, as functions (`minigrad.sin(x)`) and `Tensor` methods.

Each op is one `Function` subclass that says all there is to say about it: `forward`,
`backward` (and `jvp` for forward mode), and, as class attributes read elsewhere:

- `aten_name`: its event name in profiles (`autograd.profiler`);
- `shows_forward`, `shows_sends`: its forward and what it sends each input, in the
  stepper's panel (`widgets.derivatives`);
- `backward_batched(ctx, *grads)`, or `backward_broadcasts_over_batch = True` when
  `backward` itself broadcasts: its backward for grads with a leading batch dim
  (`functional.jacobian(..., vectorize=True)`); without either it runs row by row.

`ops.factories` holds what `Tensor(data)`, `x.new_zeros(...)` and `x.uniform_()` call.
"""

from minigrad.ops import factories as factories  # Tensor's own factory methods call these
from minigrad.ops.inplace import add_ as add_  # Tensor.add_, an optimizer's update
from minigrad.ops.inplace import apply_inplace, copy_, fill_, zero_
from minigrad.ops.linalg import addmm, bmm, dot, matmul, mm, mv, outer
from minigrad.ops.pointwise import *  # noqa: F403
from minigrad.ops.pointwise import __all__ as _pointwise_all
from minigrad.ops.reduction import (
    amax,
    amin,
    argmax,
    argmin,
    log_softmax,
    max,
    mean,
    min,
    norm,
    softmax,
    sum,
)
from minigrad.ops.shape import (
    cat,
    chunk,
    clone,
    concat,
    concatenate,
    contiguous,
    expand,
    expand_as,
    flatten,
    getitem,
    movedim,
    narrow,
    permute,
    repeat,
    reshape,
    select,
    split,
    squeeze,
    stack,
    sum_to_size,
    swapaxes,
    swapdims,
    t,
    to,
    transpose,
    unbind,
    unflatten,
    unsqueeze,
    view,
    view_as,
)

__all__ = [*_pointwise_all, "addmm", "amax", "amin", "apply_inplace", "argmax", "argmin", "bmm",
           "cat", "chunk", "clone", "concat", "concatenate", "contiguous", "copy_", "dot",
           "expand", "expand_as", "fill_", "flatten", "getitem", "log_softmax", "matmul", "max",
           "mean", "min", "mm", "movedim", "mv", "narrow", "norm", "outer", "permute", "repeat",
           "reshape", "select", "softmax", "split", "squeeze", "stack", "sum", "sum_to_size",
           "swapaxes", "swapdims", "t", "to", "transpose", "unbind", "unflatten", "unsqueeze",
           "view", "view_as", "zero_"]
