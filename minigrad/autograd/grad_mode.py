"""Grad modes: whether operations record a graph, switched per thread.

`no_grad`, `enable_grad` and `set_grad_enabled` work as `with` blocks and as
decorators (`@no_grad()` and bare `@no_grad`), like PyTorch's. `inference_mode`
is `no_grad` with stricter rules: the tensors it makes are inference tensors,
which autograd refuses to save or to change in place later.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["enable_grad", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled",
           "no_grad", "set_grad_enabled"]

F = TypeVar("F", bound=Callable[..., Any])


class _GradState(threading.local):
    enabled = True
    inference = False


_state = _GradState()

# How many `inference_mode()` blocks are open, in all threads: while none is, making a
# tensor checks this one number and nothing else.
_inference_blocks = 0


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad record a graph."""
    return _state.enabled


def is_inference_mode_enabled() -> bool:
    """True inside an `inference_mode()` block (and not in an `inference_mode(False)` in it)."""
    return _state.inference


def _set_enabled(mode: bool) -> None:
    _state.enabled = mode


def _is_generator_function(func: Callable[..., Any]) -> bool:
    """`inspect.isgeneratorfunction`, without importing inspect (import time matters)."""
    code_flag_generator = 0x20
    return bool(getattr(getattr(func, "__code__", None), "co_flags", 0) & code_flag_generator)


class _GradModeContext:
    """A context manager that can also decorate functions and generators.

    Each decorated call enters a fresh copy, so nested or recursive calls
    restore the right mode on exit.
    """

    _mode: bool

    def __init__(self) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(_state.enabled)
        _state.enabled = self._mode

    def __exit__(self, *exc_info: object) -> None:
        _state.enabled = self._previous.pop()

    def clone(self) -> _GradModeContext:
        return self.__class__()

    def __call__(self, func: F) -> F:
        if _is_generator_function(func):
            return self._wrap_generator(func)

        @functools.wraps(func)
        def decorated(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return func(*args, **kwargs)

        return decorated  # type: ignore[return-value]

    def _wrap_generator(self, func: F) -> F:
        @functools.wraps(func)
        def decorated(*args: Any, **kwargs: Any) -> Any:
            generator = func(*args, **kwargs)
            # The mode holds while the generator's own code runs, not while the caller runs.
            with self.clone():
                response = next(generator)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with self.clone():
                        generator.close()
                    raise
                try:
                    with self.clone():
                        response = generator.send(request)
                except StopIteration as stop:
                    return stop.value

        return decorated  # type: ignore[return-value]


class _NoParamDecorator(_GradModeContext):
    """Allows the bare form `@no_grad` as well as `@no_grad()`."""

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecorator):
    """Turn graph recording off: results get no `grad_fn` and do not require grad."""

    _mode = False


class enable_grad(_NoParamDecorator):
    """Turn graph recording on, for example inside a `no_grad` block."""

    _mode = True


class inference_mode(_GradModeContext):
    """`no_grad` that also makes inference tensors; `inference_mode(False)` turns both off.

    A tensor made inside reports `is_inference()`: outside the block autograd
    refuses to save it for backward or to change it in place, as PyTorch does.
    """

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self.mode = bool(mode)
        self._mode = not self.mode
        self._previous_inference: list[bool] = []

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):
            return cls()(mode)
        return super().__new__(cls)

    def __enter__(self) -> None:
        global _inference_blocks
        super().__enter__()
        self._previous_inference.append(_state.inference)
        _state.inference = self.mode
        if self.mode:
            _inference_blocks += 1

    def __exit__(self, *exc_info: object) -> None:
        global _inference_blocks
        super().__exit__(*exc_info)
        _state.inference = self._previous_inference.pop()
        if self.mode:
            _inference_blocks -= 1

    def clone(self) -> inference_mode:
        return self.__class__(self.mode)


class set_grad_enabled(_GradModeContext):
    """Set recording on or off: at once when called, and undone at the end of a `with` block."""

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self._mode = mode
        self._previous.append(_state.enabled)
        _state.enabled = mode

    def __enter__(self) -> None:
        pass  # the mode was already set when the object was made

    def __exit__(self, *exc_info: object) -> None:
        _state.enabled = self._previous.pop()

    def __call__(self, func: F) -> F:
        # Used as a decorator, the switch applies to each call, not from now on.
        _state.enabled = self._previous.pop()
        return super().__call__(func)

    def clone(self) -> _GradModeContext:
        return _ScopedMode(self._mode)


class _ScopedMode(_GradModeContext):
    """A plain scoped switch, used when `set_grad_enabled` decorates a function."""

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self._mode = mode

    def clone(self) -> _ScopedMode:
        return _ScopedMode(self._mode)
