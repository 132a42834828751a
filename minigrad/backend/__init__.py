"""The backend: what minigrad computes with, below tensors and autograd.

It imports NumPy (and CuPy, when a CUDA device is first asked for) and nothing of
minigrad above it:

- `dtypes`: PyTorch's dtypes over NumPy's types, and the default dtype;
- `devices`: devices, the array module (NumPy or CuPy) behind each, moving arrays;
- `cpu`: which of PyTorch's CPU kernel builds this machine runs, found when first needed;
- `exact`: float arithmetic rounded as those kernels round it (the FMA emulation);
- `random`: PyTorch's CPU random streams, bit for bit.

`minigrad.backend.<name>` reaches the device functions directly (`backend.as_array`,
`backend.array_module`, ...), as ops use them on every call.
"""


from minigrad.backend.devices import (
    CPU,
    array_module,
    as_array,
    broadcast_view,
    check_argument_devices,
    check_same_device,
    contiguous,
    cuda_module,
    device,
    device_of,
    factory_device,
    get_default_device,
    is_array,
    module_for,
    resolve,
    set_default_device,
    sum_to,
    summed_dims,
    to_device,
    to_host,
)
from minigrad.backend.dtypes import (
    bool,
    double,
    dtype,
    dtype_named_by_python,
    finfo,
    float,
    float16,
    float32,
    float64,
    from_numpy_dtype,
    get_default_dtype,
    half,
    iinfo,
    int,
    int8,
    int16,
    int32,
    int64,
    is_builtin_bool,
    long,
    set_default_dtype,
    short,
    uint8,
)

__all__ = [
    "CPU",
    "array_module",
    "as_array",
    "bool",
    "broadcast_view",
    "check_argument_devices",
    "check_same_device",
    "contiguous",
    "cuda_module",
    "device",
    "device_of",
    "double",
    "dtype",
    "dtype_named_by_python",
    "factory_device",
    "finfo",
    "float",
    "float16",
    "float32",
    "float64",
    "from_numpy_dtype",
    "get_default_device",
    "get_default_dtype",
    "half",
    "iinfo",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_array",
    "is_builtin_bool",
    "long",
    "module_for",
    "resolve",
    "set_default_device",
    "set_default_dtype",
    "short",
    "sum_to",
    "summed_dims",
    "to_device",
    "to_host",
    "uint8",
]
