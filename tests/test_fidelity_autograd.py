"""Fidelity off the tutorial's path: literals, backward arguments, threads and older API.

Each case runs the same code on minigrad and on PyTorch 2.13 (the oracle) and
compares results, or exception class and message.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


def outcome(lib, source: str):
    """What `source` (an expression over `T`, the library) gives: its value, or its error."""
    try:
        value = eval(source, {"T": lib, "np": np})
    except Exception as error:
        return type(error).__name__, str(error)
    if isinstance(value, (minigrad.Tensor, torch.Tensor)):
        return str(value.dtype), tuple(value.shape), value.tolist()
    return value


LITERALS = [
    "T.tensor(0.1, dtype=T.float64).item()",
    "T.tensor(1e300, dtype=T.float64).item()",
    "T.tensor(1e300)",
    "T.as_tensor(0.1, dtype=T.float64).item()",
    "T.as_tensor([0.1, 1], dtype=T.float64)",
    "T.tensor([[1, 0.1], [2, 3]], dtype=T.float64)",
    "T.tensor([[1, 0.1], [2, 3]])",
    "T.tensor([True, 2])",
    "T.tensor([True, 2.5])",
    "T.tensor([np.float64(0.1), 1.0])",
    "T.tensor([np.int32(1)])",
    "T.tensor([T.tensor(1., dtype=T.float64), 2.0])",
    "T.tensor([[]])",
    "T.tensor(16777217, dtype=T.float32).item()",
    "T.tensor(2**63, dtype=T.float32).item()",
    "T.tensor([1.5, 2**64])",
    "T.tensor([[1.5, 2]], dtype=T.int32)",
    "T.tensor(-129, dtype=T.uint8)",
    "T.tensor(float('nan'), dtype=T.bool)",
    "T.tensor(2**63, dtype=T.bool)",
    # Too large for the target: PyTorch's error at the call.
    "T.tensor(2**63)",
    "T.tensor([2**64])",
    "T.tensor(-2**63 - 1)",
    "T.as_tensor([2**64])",
    "T.tensor([0.5, 2**63], dtype=T.int64)",
    "T.tensor(10**400, dtype=T.float64)",
    "T.tensor([1.5, 10**400])",
    "T.tensor(2**40, dtype=T.int32)",
    "T.tensor(300, dtype=T.uint8)",
    "T.tensor(-256, dtype=T.uint8)",
    "T.tensor(1e20, dtype=T.int64)",
    "T.tensor(float('nan'), dtype=T.int32)",
    # Data that is not numbers.
    "T.tensor([[1, 2], [3]])",
    "T.tensor([[1, 2], 3])",
    "T.tensor('abc')",
    "T.tensor(['a'])",
    "T.tensor(None)",
    "T.tensor([None])",
]


@pytest.mark.parametrize("source", LITERALS)
def test_python_literals_are_read_as_pytorch_reads_them(source: str) -> None:
    assert outcome(minigrad, source) == outcome(torch, source)
