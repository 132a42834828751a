"""minigrad: a compact autograd engine on NumPy with PyTorch's API and printouts.

    import minigrad as torch
    a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
    torch.sin(a).sum().backward()
"""

import warnings as _warnings

from minigrad import accelerator, autograd, backend, cuda
from minigrad._creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from minigrad._printing import get_printoptions, set_printoptions
from minigrad._tensor import Size, Tensor
from minigrad.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from minigrad.backend.devices import device, get_default_device, set_default_device
from minigrad.backend.dtypes import (
    bool,
    double,
    dtype,
    finfo,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    iinfo,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from minigrad.backend.random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from minigrad.ops import *  # noqa: F403
from minigrad.ops import __all__ as _ops_all


def _module_inplace(name: str):
    def op(input: Tensor, *args, **kwargs) -> Tensor:
        return getattr(input, name)(*args, **kwargs)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"`{name}` as a function: the in-place op on `input`."
    return op


sin_ = _module_inplace("sin_")
cos_ = _module_inplace("cos_")
exp_ = _module_inplace("exp_")
relu_ = _module_inplace("relu_")
sigmoid_ = _module_inplace("sigmoid_")
tanh_ = _module_inplace("tanh_")

__version__ = "0.1.0"

# PyTorch gives inf and nan silently; NumPy would warn from inside minigrad's ops each time.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"minigrad(\.|$)")

__all__ = [*_ops_all, "Generator", "Size", "Tensor", "accelerator", "arange", "as_tensor",
           "autograd", "get_default_device", "set_default_device",
           "backend", "bool", "cos_", "cuda", "default_generator", "device", "double", "dtype",
           "empty", "empty_like", "enable_grad", "exp_", "eye", "finfo", "float", "float16",
           "float32", "float64", "iinfo",
           "from_numpy", "full", "full_like", "get_default_dtype", "get_printoptions",
           "get_rng_state", "half", "inference_mode", "initial_seed", "int", "int8", "int16",
           "int32", "int64", "is_grad_enabled", "is_inference_mode_enabled", "linspace", "long",
           "manual_seed", "no_grad",
           "ones", "ones_like", "rand", "rand_like", "randint", "randn", "randn_like",
           "randperm", "relu_", "seed", "set_default_dtype", "set_grad_enabled",
           "set_printoptions", "set_rng_state", "short", "sigmoid_", "sin_", "tanh_", "tensor",
           "uint8", "zeros", "zeros_like"]
from minigrad import nn as nn, optim as optim  # noqa: E402, I001  (they build on the core)
