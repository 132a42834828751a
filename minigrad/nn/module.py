"""`Module`: the base of every layer and model, which finds its parameters for you.

Assigning a `Parameter` or a `Module` as an attribute registers it, so
`model.parameters()` reaches every weight of every layer, `state_dict()`
names them (`layer1.weight`), and the repr prints the tree as PyTorch does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, TypeVar

from minigrad import backend
from minigrad._tensor import Tensor
from minigrad.autograd.grad_mode import no_grad
from minigrad.autograd.graph import _TENSOR_TYPE_NAMES
from minigrad.nn.parameter import Parameter
from minigrad.ops.shape import to_arguments

__all__ = ["Module"]

ModuleT = TypeVar("ModuleT", bound="Module")


def _typename(value: Any) -> str:
    """How PyTorch names a value's type in its errors: `torch.FloatTensor`, `int`."""
    if isinstance(value, Tensor):
        return "torch." + _TENSOR_TYPE_NAMES.get(value._data.dtype.name, "Tensor")
    module = type(value).__module__
    name = type(value).__qualname__
    return name if module == "builtins" else f"{module}.{name}"


def _indent(text: str, spaces: int) -> str:
    """Indent every line after the first (a child's repr inside its parent's)."""
    first, *rest = text.split("\n")
    return "\n".join([first, *(" " * spaces + line if line else line for line in rest)])


class _IncompatibleKeys(NamedTuple):
    """What `load_state_dict` did not match: missing and unexpected keys."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")

    __str__ = __repr__


class Module:
    """A layer or a model: holds parameters, buffers and submodules, and defines `forward`.

    Subclasses call `super().__init__()` first, assign their layers and
    weights as attributes, and write `forward`; calling the module runs it.
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent_buffers: set[str]
    _modules: dict[str, Module | None]

    def __init__(self) -> None:
        # Set through object.__setattr__: our own __setattr__ needs these to exist first.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", {})

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of the module; every subclass defines it."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # Registration ---------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        parameters = self.__dict__.get("_parameters")
        modules = self.__dict__.get("_modules")
        buffers = self.__dict__.get("_buffers")
        if isinstance(value, Parameter):
            if parameters is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name)
            self.register_parameter(name, value)
        elif parameters is not None and name in parameters:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            parameters[name] = None
        elif isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name)
            modules[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                "(torch.nn.Module or None expected)")
            modules[name] = None
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                "(torch.nn.Buffer, torch.Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        """Drop `name` wherever it was registered, before it is registered anew."""
        self.__dict__.pop(name, None)
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: parameters, buffers and submodules live here.
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        registered = [*self._parameters, *self._buffers, *self._modules]
        return sorted(set(super().__dir__()) | set(registered))

    def _check_new_name(self, kind: str, name: Any, registry: Mapping[str, Any]) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in registry:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a None placeholder, such as a missing bias) under `name`."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_new_name("parameter", name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                f"created explicitly. To express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method.")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (saved in `state_dict` if persistent)."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_new_name("buffer", name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a submodule under `name`, as assigning `self.name = module` does."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        self._check_new_name("module", name, self._modules)
        self._modules[name] = module

    register_module = add_module

    # Walking the tree -----------------------------------------------------

    def named_modules(self, memo: set[Module] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module and every module below it, with dotted names ("" for this one)."""
        stack: list[tuple[str, Module]] = [(prefix, self)]
        seen = memo if memo is not None else set()
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if module in seen:
                    continue
                seen.add(module)
            yield name, module
            children = [(f"{name}.{child_name}" if name else child_name, child)
                        for child_name, child in module._modules.items() if child is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every module below it."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules, with their attribute names."""
        seen: set[Module] = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct submodules."""
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Any]]:
        seen: set[Tensor] = set()
        if recurse:
            owners = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            owners = iter([(prefix, self)])
        for owner_name, owner in owners:
            for name, value in getattr(owner, registry).items():
                if value is None or (remove_duplicate and value in seen):
                    continue
                seen.add(value)
                yield (f"{owner_name}.{name}" if owner_name else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name (`layer1.weight`), each once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter of this module and its submodules: what an optimizer updates."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """Every buffer with its dotted name."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer of this module and its submodules."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self: ModuleT, fn: Callable[[Module], None]) -> ModuleT:
        """Call `fn` on every submodule (children first) and then on this module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # Modes and gradients --------------------------------------------------

    def train(self: ModuleT, mode: bool = True) -> ModuleT:
        """Set training mode (or evaluation mode with `mode=False`) here and below."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self: ModuleT) -> ModuleT:
        """Set evaluation mode, as `train(False)` does."""
        return self.train(False)

    def requires_grad_(self: ModuleT, requires_grad: bool = True) -> ModuleT:
        """Turn gradient tracking of every parameter on or off (to freeze layers)."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter: to None, or to zeros with set_to_none=False."""
        for param in self.parameters():
            param._clear_grad(set_to_none)

    # Conversions ----------------------------------------------------------

    def to(self: ModuleT, *args: Any, **kwargs: Any) -> ModuleT:
        """Move the parameters and buffers (and their grads) in place to a device, and convert
        the floating-point ones to a dtype: `to("cuda")`, `to(minigrad.float64)`."""
        dtype, device = to_arguments(args, kwargs.pop("dtype", None), kwargs.pop("device", None))
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        if dtype is not None and not dtype.is_floating_point:
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got "
                            f"desired dtype={dtype!r}")
        return self._convert(dtype, None if device is None else backend.resolve(device))

    def _convert(self: ModuleT, dtype: backend.dtype | None,
                 device: backend.device | None) -> ModuleT:
        def convert(tensor: Tensor) -> Tensor:
            wanted = dtype if tensor.is_floating_point() else None
            return tensor.to(dtype=wanted, device=device)

        with no_grad():
            for module in self.modules():
                for tensor in (*module._parameters.values(), *module._buffers.values()):
                    if tensor is None:
                        continue
                    tensor.data = convert(tensor)
                    if tensor._grad is not None:
                        tensor._grad.data = convert(tensor._grad)
        return self

    def float(self: ModuleT) -> ModuleT:
        """Convert floating-point parameters and buffers to float32."""
        return self._convert(backend.float32, None)

    def double(self: ModuleT) -> ModuleT:
        """Convert floating-point parameters and buffers to float64."""
        return self._convert(backend.float64, None)

    def cpu(self: ModuleT) -> ModuleT:
        """Move every parameter and buffer to the CPU."""
        return self._convert(None, backend.CPU)

    def cuda(self: ModuleT, device: Any = None) -> ModuleT:
        """Move every parameter and buffer to a GPU: `device` (an index or a name), or the
        current one."""
        target = backend.resolve("cuda" if device is None else device)
        if target.type != "cuda":
            raise RuntimeError("Invalid device, must be cuda device")
        return self._convert(None, target)

    # Saving and loading ---------------------------------------------------

    def state_dict(self, *, destination: dict[str, Any] | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict[str, Any]:
        """Every parameter and persistent buffer by dotted name, detached unless keep_vars."""
        result = OrderedDict() if destination is None else destination
        # Every path to a shared submodule gets its own keys, as in PyTorch.
        named = self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False)
        for module_name, module in named:
            entries = [*module._parameters.items(),
                       *((name, buffer) for name, buffer in module._buffers.items()
                         if name not in module._non_persistent_buffers)]
            for name, value in entries:
                if value is not None:
                    key = f"{module_name}.{name}" if module_name else name
                    result[key] = value if keep_vars else value.detach()
        return result

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy values from `state_dict` into the parameters and buffers with the same names.

        With `strict` (the default), a missing or unexpected key is an error;
        with `assign=True`, the tensors of the dict replace the module's own.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []
        for module_name, module in self.named_modules(remove_duplicate=False):
            prefix = f"{module_name}." if module_name else ""
            module._load_own_state(state_dict, prefix, assign, missing, errors)
            for key in state_dict:
                if key.startswith(prefix) and key[len(prefix):].split(".", 1)[0] not in (
                        *module._modules, *module._state_names()):
                    unexpected.append(key)
        if strict:
            if unexpected:
                keys = ", ".join(f'"{key}"' for key in unexpected)
                errors.insert(0, f"Unexpected key(s) in state_dict: {keys}. ")
            if missing:
                keys = ", ".join(f'"{key}"' for key in missing)
                errors.insert(0, f"Missing key(s) in state_dict: {keys}. ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        return _IncompatibleKeys(missing, unexpected)

    def _state_names(self) -> list[str]:
        """The names this module itself keeps in a state dict."""
        return [*(n for n, p in self._parameters.items() if p is not None),
                *(n for n, b in self._buffers.items()
                  if b is not None and n not in self._non_persistent_buffers)]

    def _load_own_state(self, state_dict: Mapping[str, Any], prefix: str, assign: bool,
                        missing: list[str], errors: list[str]) -> None:
        for name in self._state_names():
            current = getattr(self, name)
            key = prefix + name
            if key not in state_dict:
                missing.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                errors.append(f'While copying the parameter named "{key}", expected '
                              "torch.Tensor or Tensor-like object from checkpoint but received "
                              f"{type(value)}")
                continue
            if value.shape != current.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{value.shape!r} from checkpoint, the shape in current model is "
                              f"{current.shape!r}.")
                continue
            with no_grad():
                if not assign:
                    current.copy_(value)
                elif isinstance(current, Parameter):
                    if not isinstance(value, Parameter):
                        value = Parameter(value, requires_grad=current.requires_grad)
                    setattr(self, name, value)
                else:
                    setattr(self, name, value)

    # Printing -------------------------------------------------------------

    def extra_repr(self) -> str:
        """The settings printed inside this module's parentheses, e.g. `in_features=2`."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): {_indent(repr(module), 2)}"
                       for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        if not lines:
            return f"{type(self).__name__}()"
        if len(extra_lines) == 1 and not child_lines:
            return f"{type(self).__name__}({extra_lines[0]})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"
