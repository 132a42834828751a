"""Views changed in place, in-place ops on split/unbind pieces, fills, powers, and the graphs of
double backward, run on minigrad and on PyTorch 2.13 and compared after every line as the
fuzzer compares them (values, dtypes, grads, `grad_fn` graphs, errors; tests/fuzz/compare.py).
"""

from __future__ import annotations

import pytest
from fuzz import compare, reproducer, written_program

X = "x = torch.tensor([[0.5, -1.5, 2.0], [3.0, -0.25, 1.0]], requires_grad=True)\n"
SECOND = "g = torch.autograd.grad(y.sum(), [x], create_graph=True)[0]\n"
THIRD = "h = torch.autograd.grad(g.sum(), [x], create_graph=True)[0]\n"

PROGRAMS: dict[str, str] = {
    # A view whose base changed in place reads its region again: AsStridedBackward0.
    "view of a base changed under no_grad": X + "v = x[0]\nwith torch.no_grad():\n"
                                               "    x.mul_(2)\nr = v * 1",
    "view of a base changed in place": X + "b = x.clone()\nv = b[:, 1]\nb.add_(1)\nr = v * 2",
    "expand then the base changes": X + "e = x.expand(2, 2, 3)\nwith torch.no_grad():\n"
                                        "    x.mul_(2)\nr = e.sum()\nr.backward()",
    "view of a view written through": X + "b = x.clone()\nv = b.view(6)\n"
                                          "b[0, 1:] = 5.0\nr = v * 1",
    # One op's several views (split, unbind) refuse in-place changes.
    "unbind piece changed in place": X + "p = x.unbind(0)[0]\np.exp_()",
    "split piece of a changed base": X + "b = x * 1\np = b.split(1)[1]\nb.add_(1)\nr = p.sqrt()",
    "chunk piece without grad": "b = torch.ones(4)\np = b.chunk(2)[0]\np.add_(1)\nr = b * 1",
    # Fills and copies into a region, as PyTorch records them.
    "fill_ with a number": X + "b = x.clone()\nb.fill_(2.0)\nb.sum().backward()",
    "fill_ with a 0-d tensor": X + "w = torch.tensor(2.0, requires_grad=True)\nb = x.clone()\n"
                                   "b.fill_(w)\nb.sum().backward()",
    "setitem of everything": X + "b = x.clone()\nb[:] = 0.5\nb[0:10] = 1.5",
    "setitem of a 0-d tensor": "b = torch.tensor(1.0, requires_grad=True) * 2\nb[...] = 3.0",
    # The result of an in-place op is what its node saved, at its new version.
    "version named after the in-place op": X + "s = x.softmax(1)\ne = s.exp_()\n"
                                               "with torch.no_grad():\n    s.mul_(2)\n"
                                               "e.sum().backward()",
    "retain_grad through an in-place op": X + "r = x.relu()\nr.retain_grad()\nr.mul_(0.5)\n"
                                              "r.sum().backward()",
    # Powers as PyTorch's kernels compute them.
    "powers with special exponents": "t = torch.tensor([-float('inf'), -4.0, 0.0, 2.5])\n"
                                     "r = [t ** 0.5, t ** -0.5, t ** 2, t ** 3, t ** -1, t ** -2]",
    "integer tensor to negative tensor powers": "r = torch.tensor([2, 1, -1, 0]) "
                                                "** torch.tensor([-1, -3, -3, -2])",
    "scalar to a transposed tensor": "t = torch.ones(2, 3).t()\nr = (2.0 ** t).view(6)",
    # Double backward: the ops PyTorch's backward formulas call.
    "log": X + "y = x.abs().log()\n" + SECOND,
    "tanh": X + "y = x.tanh()\n" + SECOND,
    "sigmoid": X + "y = x.sigmoid()\n" + SECOND,
    "reciprocal": X + "y = x.reciprocal()\n" + SECOND,
    "rsqrt": X + "y = x.abs().rsqrt()\n" + SECOND,
    "sqrt": X + "y = x.abs().sqrt()\n" + SECOND,
    "mean": X + "y = x.mean() ** 2\n" + SECOND,
    "division by a tensor": X + "w = torch.tensor([2.0, -3.0, 4.0], requires_grad=True)\n"
                                "y = x / w\ng = torch.autograd.grad(y.sum(), [w], "
                                "create_graph=True)[0]",
    "norm": X + "y = x.norm()\n" + SECOND,
    "norm along a dim": X + "y = x.norm(dim=1)\n" + SECOND,
    "max along a dim": X + "y = x.max(1).values ** 2\n" + SECOND,
    "max of all": X + "y = x.max() ** 2\n" + SECOND,
    "minimum": X + "w = torch.tensor([1.0, -1.5, 0.0])\ny = torch.minimum(x, w) ** 2\n" + SECOND,
    "tensor powers": X + "y = x.abs() ** x\n" + SECOND,
    # Third derivatives: the terms of a tensor used twice add up in PyTorch's order.
    "x / x twice": X + "y = x / x\n" + SECOND + THIRD,
    "x ** x twice": X + "y = x.abs() ** x\n" + SECOND + THIRD,
    "a product of three twice": X + "y = x.exp() * x * x.sin()\n" + SECOND + THIRD,
    "where twice": X + "y = torch.where(x > 1, x.sin(), x.cos()) * x\n" + SECOND + THIRD,
    "maximum twice": X + "y = torch.maximum(x.sin(), x.cos()) * x\n" + SECOND + THIRD,
    "amax": X + "y = x.amax(1) ** 0.5\n" + SECOND,
    "advanced indexing": X + "y = x[[1, 0, 1]].abs() ** 1.5\n" + SECOND + THIRD,
    "0 ** x twice (NaN where x > 0, as PyTorch)": X + "y = 0 ** x\n" + SECOND + THIRD,
    "broadcast to a 0-d operand": X + "w = torch.tensor(-0.5, requires_grad=True)\n"
                                      "y = x * w\ng = torch.autograd.grad(y.sum(), [w], "
                                      "create_graph=True)[0]",
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_acts_as_in_pytorch(name: str) -> None:
    program = written_program(PROGRAMS[name], name)
    difference = compare(program)
    if difference is not None:
        pytest.fail(reproducer(program, difference), pytrace=False)
