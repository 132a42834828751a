"""Bad inputs, run on minigrad and on PyTorch 2.13: the same result, or the same exception
class and first line of message. Each case is a few lines of code over `torch` (and `nan`,
`inf`); after every line the two runs are compared as the fuzzer compares them (values,
dtypes, shapes, grads, graphs; tests/fuzz/compare.py).
"""

from __future__ import annotations

import pytest
from fuzz import compare, reproducer, written_program
from fuzz.generate import execute, namespace

import minigrad

X = "x = torch.tensor([1., 2., 3.], requires_grad=True)\n"
Y = X + "y = (x * 2).sum()\n"

CASES: dict[str, dict[str, str]] = {
    "wrong types": {
        "mul None": X + "r = x * None",
        "rmul None": X + "r = None * x",
        "add list": X + "r = x + [1, 2, 3]",
        "add str": X + "r = x + 'a'",
        "matmul int": X + "r = x @ 2",
        "rmatmul int": X + "r = 2 @ x",
        "pow list": X + "r = x ** [1, 2, 3]",
        "pow None": X + "r = x.pow(None)",
        "rsub number first": X + "r = torch.rsub(2, x)",
        "where None": X + "r = torch.where(x > 0, x, None)",
        "where str": X + "r = torch.where(x > 0, 'a', x)",
        "cat str": X + "r = torch.cat([x, 'a'])",
        "cat tensor not list": X + "r = torch.cat(x)",
        "cat empty list": "r = torch.cat([])",
        "stack empty list": "r = torch.stack([])",
        "tensor str": "r = torch.tensor('abc')",
        "tensor mixed list": "r = torch.tensor([1, 'a'])",
        "tensor ragged": "r = torch.tensor([[1, 2], [3]])",
        "tensor None": "r = torch.tensor(None)",
        "tensor dict": "r = torch.tensor({'a': 1})",
        "zeros str": "r = torch.zeros('3')",
        "zeros float": "r = torch.zeros(2.5)",
        "zeros negative": "r = torch.zeros(-1)",
        "ones None": "r = torch.ones(None)",
        "full str value": "r = torch.full((2,), 'a')",
        "arange str": "r = torch.arange('a')",
        "arange zero step": "r = torch.arange(0, 3, 0)",
        "linspace negative steps": "r = torch.linspace(0, 1, -1)",
        "linspace bool": "r = torch.linspace(0, 1, 3, dtype=torch.bool)",
        "linspace one bool": "r = torch.linspace(0, 1, 1, dtype=torch.bool)",
        "linspace one step, end beyond int8": "r = torch.linspace(0, 1000, 1, dtype=torch.int8)",
        "linspace one step, start beyond int8": "r = torch.linspace(1000, 0, 1, dtype=torch.int8)",
        "linspace no steps, beyond float32": "r = torch.linspace(0, 1e39, 0)",
        "linspace -0.5 into uint8": "r = torch.linspace(-0.5, 3, 1, dtype=torch.uint8)",
        "linspace -1 into uint8": "r = torch.linspace(-1, 3, 3, dtype=torch.uint8)",
        "linspace nan into int64": "r = torch.linspace(nan, 3, 2, dtype=torch.int64)",
        "linspace str start": "r = torch.linspace('a', 1, 3)",
        "linspace None end": "r = torch.linspace(0, None, 3)",
        "linspace beyond float32": "r = torch.linspace(1e39, 0.0, 5)",
        "linspace beyond float16": "r = torch.linspace(0, 7e4, 3, dtype=torch.float16)",
        "linspace beyond uint8": "r = torch.linspace(0, 300, 3, dtype=torch.uint8)",
        "full beyond float32": "r = torch.full((2,), 1e39)",
        "full inf float32": "r = torch.full((2,), float('inf'))",
        "full -1 uint8": "r = torch.full((2,), -1, dtype=torch.uint8)",
        "fill_ beyond float32": "r = torch.zeros(2).fill_(1e39)",
        "fill_ beyond int32": "r = torch.zeros(2, dtype=torch.int32).fill_(1e20)",
        "fill_ beyond uint8": "r = torch.zeros(2, dtype=torch.uint8).fill_(300)",
        "fill_ -1 uint8": "r = torch.zeros(2, dtype=torch.uint8).fill_(-1)",
        "fill_ nan int64": "r = torch.zeros(2, dtype=torch.int64).fill_(float('nan'))",
        "sum str dim": X + "r = x.sum('0')",
        "sum float dim": X + "r = x.sum(dim=1.0)",
        "sum dim out of range": X + "r = x.sum(1)",
        "reshape str": X + "r = x.reshape('a')",
        "reshape wrong numel": X + "r = x.reshape(2, 2)",
        "view float": X + "r = x.view(3.0)",
        "transpose str": X + "r = x.transpose(0, 'a')",
        "index float": X + "r = x[1.5]",
        "index str": X + "r = x['a']",
        "index out of range": X + "r = x[3]",
        "too many indices": X + "r = x[0, 0]",
        "clamp str": X + "r = x.clamp('a')",
        "clamp no bounds": X + "r = x.clamp()",
        "to str": X + "r = x.to('float')",
        "to float": X + "r = x.to(3.5)",
        "sin of float": "r = torch.sin(3.0)",
        "exp of list": "r = torch.exp([1., 2.])",
        "relu None": "r = torch.relu(None)",
        "max str": X + "r = x.max('a')",
        "softmax no dim": X + "r = x.softmax()",
        "expand str": X + "r = x.expand(2, 'a')",
        "expand smaller": X + "r = x.expand(2)",
        "matmul mismatch": X + "r = x @ torch.ones(2, 2)",
        "matmul 0-d": X + "r = x @ torch.tensor(2.)",
        "mm 1-d": X + "r = x.mm(x)",
        "addmm 1-d": X + "r = torch.addmm(x, torch.ones(2, 3), x)",
        "addmm mixed dtypes": X + "r = torch.addmm(x.double(), torch.ones(2, 3), torch.ones(3, 3))",
        "addmm bias shape": X + "r = torch.addmm(x, torch.ones(2, 3), torch.ones(3, 2))",
        "addmm 3-d bias": "r = torch.addmm(torch.ones(2, 2, 2), torch.ones(2, 3), "
                          "torch.ones(3, 2))",
        "linear bias shape": X + "r = torch.nn.functional.linear(torch.ones(4, 2, 3), "
                             "torch.ones(2, 3), x)",
        "linear 1-d weight": X + "r = torch.nn.functional.linear(torch.ones(4, 2, 3), x, "
                             "torch.ones(1))",
        "add shape mismatch": X + "r = x + torch.ones(2)",
        "int requires grad": "r = torch.tensor([1, 2], requires_grad=True)",
        "requires_grad_ int": "r = torch.tensor([1, 2]).requires_grad_()",
        "requires_grad_ str": X + "r = x.detach().requires_grad_('yes')",
        "requires_grad on non-leaf": X + "y = x * 2\ny.requires_grad = False",
        "item of many": X + "r = x.item()",
        "float of many": X + "r = float(x)",
        "bool of many": X + "r = bool(x > 0)",
        "numpy with grad": X + "r = x.numpy()",
        "len of 0-d": "r = len(torch.tensor(1.))",
        "iterate 0-d": "r = list(torch.tensor(1.))",
    },
    "NaN and inf": {
        "clamp then sqrt grad": "x = torch.tensor([-1., 4.], requires_grad=True)\n"
                                "x.clamp(min=0).sqrt().sum().backward()",
        "relu then sqrt grad": "x = torch.tensor([-1., 4.], requires_grad=True)\n"
                               "x.relu().sqrt().sum().backward()",
        "clamp then log grad": "x = torch.tensor([-1., 4.], requires_grad=True)\n"
                               "x.clamp(min=0).log().sum().backward()",
        "abs at nan grad": "x = torch.tensor([nan, -2.], requires_grad=True)\n"
                           "x.abs().sum().backward()",
        "max over nan grad": "x = torch.tensor([1., nan, 0.], requires_grad=True)\n"
                             "x.max().backward()",
        "maximum with inf grad": "x = torch.tensor([1., inf], requires_grad=True)\n"
                                 "y = torch.tensor([2., 0.], requires_grad=True)\n"
                                 "(torch.maximum(x, y) * 0).sum().backward()",
        "zero to the x grad": "x = torch.tensor([0., 1., 2.], requires_grad=True)\n"
                              "(0 ** x).sum().backward()",
        "where nan branch grad": "x = torch.tensor([-1., 4.], requires_grad=True)\n"
                                 "torch.where(x > 0, x.sqrt(), 0.).sum().backward()",
        "sqrt at zero grad": "x = torch.tensor([0., 1.], requires_grad=True)\n"
                             "x.sqrt().sum().backward()",
        "pow half at zero grad": "x = torch.tensor([0., 1.], requires_grad=True)\n"
                                 "(x ** 0.5).sum().backward()",
        "log of zero": "r = torch.tensor([0., -1.]).log()",
        "inf times zero": "r = torch.tensor(inf) * 0",
        "softmax with inf": "r = torch.tensor([inf, 1.]).softmax(0)",
        "softmax all -inf": "r = torch.tensor([-inf, -inf]).softmax(0)",
        "mean of inf and -inf": "r = torch.tensor([inf, -inf]).mean()",
        "norm with inf": "r = torch.tensor([inf, 1.]).norm()",
        "argmax with nan": "r = torch.tensor([1., nan, 3.]).argmax()",
        "max dim with nan": "r = torch.tensor([[1., nan], [2., 3.]]).max(1)",
        "clamp nan bound": "r = torch.tensor([1., 2.]).clamp(min=nan)",
        "sign of nan": "r = torch.tensor([nan, -inf]).sign()",
        "nan item": "r = torch.tensor(nan).item()",
        "nan int fill": "r = torch.full((2,), nan, dtype=torch.int64)",
        "inf to int64 tensor": "r = torch.tensor([inf], dtype=torch.int64)",
        "isnan or isinf": "t = torch.tensor([nan, inf, 1.])\nr = t.isnan() | t.isinf()",
    },
    "empty tensors": {
        "sum": "r = torch.zeros(0).sum()",
        "mean": "r = torch.zeros(0).mean()",
        "max": "r = torch.zeros(0).max()",
        "argmax": "r = torch.zeros(0).argmax()",
        "max over empty dim": "r = torch.zeros(0, 3).max(0)",
        "max over other dim": "r = torch.zeros(0, 3).max(1)",
        "amax": "r = torch.zeros(0).amax()",
        "norm": "r = torch.zeros(0).norm()",
        "softmax": "r = torch.zeros(0).softmax(0)",
        "softmax 3x0": "r = torch.zeros(3, 0).softmax(1)",
        "cat with 1-d empty": "r = torch.cat([torch.zeros(0), torch.ones(2, 2)])",
        "batched matmul": "r = torch.zeros(4, 3, 0) @ torch.zeros(4, 0, 2)",
        "matmul broadcast": "r = torch.ones(4, 3) @ torch.zeros(2, 3, 0)",
        "index empty list": X + "r = x[[]]",
        "reshape -1": "r = torch.zeros(0, 3).reshape(-1)",
        "reshape ambiguous": "r = torch.zeros(0).reshape(0, -1)",
        "sum dim": "r = torch.zeros(2, 0).sum(1)",
        "mean dim": "r = torch.zeros(0, 3).mean(0)",
        "backward through empty": "z = torch.zeros(0, requires_grad=True)\nz.sum().backward()",
        "empty literal": "r = torch.tensor([])",
        "empty nested literal": "r = torch.tensor([[]])",
        "stack empties": "r = torch.stack([torch.zeros(0), torch.zeros(0)])",
        "item of empty": "r = torch.zeros(0).item()",
        "mm empty": "r = torch.zeros(2, 0).mm(torch.zeros(0, 3))",
    },
    "huge sizes": {
        "zeros 2**70": "r = torch.zeros(2 ** 70)",
        "expand large is a view": X + "r = x.expand(10 ** 6, 3).shape",
        "negative dim": "r = torch.ones(2, -3)",
    },
    "literal precision and int overflow": {
        "float64 0.1": "r = torch.tensor(0.1, dtype=torch.float64).item()",
        "float64 1e300": "r = torch.tensor(1e300, dtype=torch.float64)",
        "float64 list": "r = torch.tensor([0.1, 0.2], dtype=torch.float64)",
        "as_tensor float64": "r = torch.as_tensor(0.1, dtype=torch.float64).item()",
        "full float64": "r = torch.full((2,), 0.1, dtype=torch.float64)",
        "float64 times literal": "r = torch.tensor([1.], dtype=torch.float64) * 0.1",
        "2**53 + 1": "r = torch.tensor(2 ** 53 + 1, dtype=torch.float64).item()",
        "float32 overflow literal": "r = torch.tensor(1e40)",
        "int 2**62": "r = torch.tensor(2 ** 62).item()",
        "int 2**63": "r = torch.tensor(2 ** 63)",
        "int 2**70": "r = torch.tensor(2 ** 70)",
        "int list 2**64": "r = torch.tensor([1, 2 ** 64])",
        "uint8 300": "r = torch.tensor(300, dtype=torch.uint8)",
        "int32 2**31": "r = torch.tensor(2 ** 31, dtype=torch.int32)",
        "int64 wraps": "r = torch.ones(2, dtype=torch.int64) * 2 ** 62 * 4",
        "int pow negative": "r = torch.tensor([2, 3]) ** -1",
        "bool plus bool": "r = torch.tensor(True) + True",
        "int divide": "r = torch.tensor([3, 4]) / 2",
    },
    "backward and grad arguments": {
        "retain_graph str": Y + "y.backward(retain_graph='yes')",
        "create_graph str": Y + "y.backward(create_graph='yes')",
        "gradient str": Y + "y.backward(gradient='a')",
        "gradient wrong shape": Y + "y.backward(torch.ones(2))",
        "non-scalar implicit": X + "(x * 2).backward()",
        "no grad_fn": "torch.tensor(1.).backward()",
        "inputs empty": Y + "y.backward(inputs=[])",
        "second backward": Y + "y.backward()\ny.backward()",
        "second backward div": X + "y = (x / -1).sum()\ny.backward()\ny.backward()",
        "second backward mean": X + "y = x.mean()\ny.backward()\ny.backward()",
        "retained twice": Y + "y.backward(retain_graph=True)\ny.backward()",
        "leaf backward": "x = torch.tensor(2., requires_grad=True)\nx.backward()",
        "grad empty inputs": Y + "r = torch.autograd.grad(y, [])",
        "grad tensor input": Y + "r = torch.autograd.grad(y, x)",
        "grad retain_graph str": Y + "r = torch.autograd.grad(y, [x], retain_graph='yes')",
        "grad unused": Y + "z = torch.ones(2, requires_grad=True)\nr = torch.autograd.grad(y, [z])",
        "grad of no-grad input": Y + "r = torch.autograd.grad(y, [torch.ones(2)])",
        "grad outputs length": Y + "r = torch.autograd.grad([y, y], [x], "
                                   "grad_outputs=[torch.tensor(1.)])",
        "grad outputs shape": Y + "r = torch.autograd.grad(y, [x], grad_outputs=torch.ones(3))",
        "grad non-scalar": X + "r = torch.autograd.grad(x * 2, [x])",
        "grad str output": X + "r = torch.autograd.grad('a', [x])",
        "second derivative": X + "g, = torch.autograd.grad((x ** 3).sum(), [x], "
                                 "create_graph=True)\nr = torch.autograd.grad(g.sum(), [x])",
        "grad int64": X + "x.grad = torch.ones(3, dtype=torch.int64)",
        "grad float64": X + "x.grad = torch.ones(3, dtype=torch.float64)",
        "grad wrong size": X + "x.grad = torch.ones(2)",
        "grad list": X + "x.grad = [1., 2., 3.]",
        "grad None": X + "x.grad = None",
        "inplace on leaf": X + "x.add_(1)",
        "hook without grad": "r = torch.ones(2).register_hook(lambda g: g)",
        "retain_grad without grad": "torch.ones(2).retain_grad()",
        "hook returns wrong shape": X + "x.register_hook(lambda g: g[:2])\n"
                                        "(x * 2).sum().backward()",
        "modified saved tensor": X + "y = x * 2\nz = y.exp()\ny.mul_(2)\nz.sum().backward()",
        "modified output of copy_": X + "a = torch.zeros(3)\na.copy_(x)\nc = a * a\n"
                                        "with torch.no_grad():\n    a.add_(1)\n"
                                        "c.sum().backward()",
    },
}

# Cases where matching PyTorch's class and message makes no sense, each with the reason:
# minigrad must still raise a clear error (one that names what went wrong).
NOT_LIKE_PYTORCH: dict[str, tuple[str, str]] = {
    "zeros 4 TB": ("r = torch.zeros(10 ** 12)",
                   "PyTorch's message is its C++ allocator's ([enforce fail at alloc_cpu.cpp])"),
    "ones 4 TB": ("r = torch.ones(10 ** 12)", "the C++ allocator's wording"),
    "arange 8 TB": ("r = torch.arange(10 ** 12)", "the C++ allocator's wording"),
    "repeat 12 TB": ("r = torch.ones(3).repeat(10 ** 12)", "the C++ allocator's wording"),
    "empty 10**20 elements": ("r = torch.empty(10 ** 10, 10 ** 10)",
                              "PyTorch's overflow check of the byte count is C++ code"),
}


@pytest.mark.parametrize(("category", "case"), [(c, k) for c, cases in CASES.items()
                                               for k in cases])
def test_bad_input_acts_as_in_pytorch(category: str, case: str) -> None:
    program = written_program(CASES[category][case], case)
    difference = compare(program)
    if difference is not None:
        pytest.fail(reproducer(program, difference), pytrace=False)


@pytest.mark.parametrize("case", sorted(NOT_LIKE_PYTORCH))
def test_bad_input_beyond_pytorchs_wording_raises_clearly(case: str) -> None:
    code, _reason = NOT_LIKE_PYTORCH[case]
    error = execute(code, namespace(minigrad))
    assert isinstance(error, (RuntimeError, MemoryError, ValueError)), error
    assert str(error).strip()
