"""Helpers for comparing minigrad with PyTorch, the oracle: move values across, compare."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import torch

import minigrad

ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def to_torch(t: minigrad.Tensor, requires_grad: bool | None = None) -> torch.Tensor:
    """A torch leaf with the same values (and requires_grad, unless given)."""
    result = torch.from_numpy(np.array(t.detach().numpy(), copy=True))
    wanted = t.requires_grad if requires_grad is None else requires_grad
    return result.requires_grad_(wanted)


def to_mini(t: torch.Tensor, requires_grad: bool | None = None) -> minigrad.Tensor:
    """A minigrad leaf with the same values (and requires_grad, unless given)."""
    result = minigrad.tensor(t.detach().numpy().copy())
    wanted = t.requires_grad if requires_grad is None else requires_grad
    return result.requires_grad_(wanted)


def without_addresses(text: str) -> str:
    """Printed output with memory addresses blanked, the only part allowed to differ."""
    return ADDRESS.sub(" at 0x…", text)


def assert_close(mini: minigrad.Tensor | None, ref: torch.Tensor | None, rtol: float = 1e-5,
                 atol: float = 1e-6) -> None:
    """Same shape, dtype and values (both None also counts as equal)."""
    if ref is None or mini is None:
        assert mini is None and ref is None, (mini, ref)
        return
    assert tuple(mini.shape) == tuple(ref.shape)
    assert str(mini.dtype) == str(ref.dtype)
    np.testing.assert_allclose(mini.detach().numpy(), ref.detach().numpy(), rtol=rtol, atol=atol)


def raised(action, *args) -> tuple[str, str] | None:
    """The type and message of what `action(*args)` raises, to compare the two libraries."""
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__, str(error)
    return None


def names_along(node: Any, depth: int = 3) -> list[Any]:
    """The graph below `node` as nested names, `next_functions` in order (on either library)."""
    if node is None:
        return [None]
    if depth == 0:
        return [node.name()]
    return [node.name(), [names_along(n, depth - 1) for n, _ in node.next_functions]]
