"""The tutorial's cells print the same with minigrad as with PyTorch 2.13.

Each cell below is the tutorial's code, run once with `torch` bound to
PyTorch and once with `torch` bound to minigrad; the printed text must be
identical, memory addresses aside.
"""

from __future__ import annotations

import contextlib
import io
import textwrap

import pytest
import torch as real_torch
from oracle import without_addresses

import minigrad

SIMPLE_EXAMPLE = """
a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
print(a)
b = torch.sin(a)
print(b)
c = 2 * b
print(c)
d = c + 1
print(d)
out = d.sum()
print(out)
print('d:')
print(d.grad_fn)
print(d.grad_fn.next_functions)
print(d.grad_fn.next_functions[0][0].next_functions)
print(d.grad_fn.next_functions[0][0].next_functions[0][0].next_functions)
print(d.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0].next_functions)
print('\\nc:')
print(c.grad_fn)
print('\\nb:')
print(b.grad_fn)
print('\\na:')
print(a.grad_fn)
out.backward()
print(a.grad)
"""

REQUIRES_GRAD_FLAG = """
a = torch.ones(2, 3, requires_grad=True)
print(a)
b1 = 2 * a
print(b1)
a.requires_grad = False
b2 = 2 * a
print(b2)
"""

NO_GRAD = """
a = torch.ones(2, 3, requires_grad=True) * 2
b = torch.ones(2, 3, requires_grad=True) * 3
c1 = a + b
print(c1)
with torch.no_grad():
    c2 = a + b
print(c2)
c3 = a * b
print(c3)
"""

NO_GRAD_DECORATOR = """
def add_tensors1(x, y):
    return x + y

@torch.no_grad()
def add_tensors2(x, y):
    return x + y

a = torch.ones(2, 3, requires_grad=True) * 2
b = torch.ones(2, 3, requires_grad=True) * 3
c1 = add_tensors1(a, b)
print(c1)
c2 = add_tensors2(a, b)
print(c2)
"""

DETACH = """
torch.manual_seed(SEED)
x = torch.rand(5, requires_grad=True)
y = x.detach()
print(x)
print(y)
"""

INPLACE_ON_LEAF = """
a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
try:
    torch.sin_(a)
except RuntimeError as error:
    print(type(error).__name__, error)
"""

BACKWARD_WITH_VECTOR = """
torch.manual_seed(SEED)
x = torch.randn(3, requires_grad=True)
y = x * 2
while y.data.norm() < 1000:
    y = y * 2
print(y)
try:
    y.backward()
except RuntimeError as error:
    print(type(error).__name__, error)
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)
print(x.grad)
"""

CELLS = {
    "simple_example": SIMPLE_EXAMPLE,
    "requires_grad_flag": REQUIRES_GRAD_FLAG,
    "no_grad": NO_GRAD,
    "no_grad_decorator": NO_GRAD_DECORATOR,
    "detach": DETACH,
    "inplace_on_leaf": INPLACE_ON_LEAF,
    "backward_with_vector": BACKWARD_WITH_VECTOR,
}


def run_cell(source: str, module: object, seed: int) -> str:
    """Run a tutorial cell with `torch` bound to `module`; return what it printed."""
    import math

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(textwrap.dedent(source), {"torch": module, "math": math, "SEED": seed})
    return without_addresses(printed.getvalue())


@pytest.mark.parametrize("name", CELLS)
@pytest.mark.parametrize("seed", [0, 1, 42])
def test_cell_prints_what_pytorch_prints(name: str, seed: int) -> None:
    expected = run_cell(CELLS[name], real_torch, seed)
    assert run_cell(CELLS[name], minigrad, seed) == expected


def test_simple_example_matches_the_tutorial_text() -> None:
    """The values printed in the tutorial itself, not only PyTorch's run of it."""
    printed = run_cell(SIMPLE_EXAMPLE, minigrad, 0)
    assert "tensor(25., grad_fn=<SumBackward0>)" in printed
    assert "((<MulBackward0 object at 0x…>, 0), (None, 0))" in printed
    assert "((<AccumulateGrad object at 0x…>, 0),)" in printed
    assert " 2.3850e-08,  5.1764e-01," in printed
