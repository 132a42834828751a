"""Fidelity off the tutorial's path: literals, backward arguments, threads and older API.

Each case runs the same code on minigrad and on PyTorch 2.13 (the oracle) and
compares results, or exception class and message.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from tests.oracle import raised


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


# Saved Python numbers and the second backward ---------------------------------------------


class ScaleByNumber(minigrad.autograd.Function):
    """`x * k` for a Python number k, saving k as the built-in MulBackward0 does."""

    saved_names = ("self", "other")

    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(None, k)
        return x * k

    @staticmethod
    def backward(ctx, grad):
        _, k = ctx.saved_tensors
        return grad * k, None


@pytest.mark.parametrize("number", [2, 2.5, -1, True])
def test_a_saved_number_shows_as_pytorch_shows_a_wrapped_scalar(number) -> None:
    x = minigrad.ones(3, requires_grad=True)
    node = ScaleByNumber.apply(x, number).grad_fn
    reference = (torch.ones(3, requires_grad=True) * number).grad_fn
    mine, theirs = node._saved_other, reference._saved_other
    assert (str(mine.dtype), mine.item(), repr(mine)) == (
        str(theirs.dtype), theirs.item(), repr(theirs))


def test_a_saved_number_keeps_the_gradient_dtype_and_is_freed_by_backward() -> None:
    x = minigrad.ones(3, requires_grad=True)
    y = ScaleByNumber.apply(x, 2.5).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.dtype == minigrad.float32 and x.grad.tolist() == [5.0, 5.0, 5.0]
    reference = (torch.ones(3, requires_grad=True) * 2.5).sum()
    reference.backward()
    assert raised(y.backward) == raised(reference.backward)
    node = y.grad_fn.next_functions[0][0]
    assert raised(lambda: node._saved_other) == raised(
        lambda: reference.grad_fn.next_functions[0][0]._saved_other)


def _custom_function(lib, saves: tuple, reads: bool):
    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(*(x if s == "x" else s for s in saves))
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            (x, *_) = ctx.saved_tensors if reads else (None,)
            return grad * 2 if x is None else grad * 2 + x * 0

    return Double


@pytest.mark.parametrize(("saves", "reads"), [(("x",), True), (("x",), False), (("x", 2), True)])
def test_a_learners_function_saves_and_frees_as_in_pytorch(saves: tuple, reads: bool) -> None:
    """A number is refused; a second backward fails only if backward reads what was freed."""

    def twice(lib):
        x = lib.ones(2, requires_grad=True)
        y = _custom_function(lib, saves, reads).apply(x).sum()
        y.backward()
        y.backward()
        return x.grad.tolist()

    assert raised(twice, minigrad) == raised(twice, torch)
    if raised(twice, torch) is None:
        assert twice(minigrad) == twice(torch)


def test_a_released_built_in_node_refuses_a_second_backward_whatever_its_formula_reads() -> None:
    """ScaleByNumber's backward here ignores what it saved; as a named (built-in style) op
    whose saved values are gone, it still raises, as PyTorch's MulBackward0 does."""

    class ScaleIgnoringSaved(ScaleByNumber):
        @staticmethod
        def backward(ctx, grad):
            return grad * 2, None

    x = minigrad.ones(2, requires_grad=True)
    y = ScaleIgnoringSaved.apply(x, 2).sum()
    y.backward()
    reference = (torch.ones(2, requires_grad=True) * 2).sum()
    reference.backward()
    assert raised(y.backward) == raised(reference.backward)


# Mixed float32/float64 under create_graph, and `.to` with Python values ------------------


def _values(tensors) -> list:
    return [(str(t.dtype), t.tolist(), t.requires_grad) for t in tensors]


def test_mixed_precision_gradients_under_create_graph_match_pytorch() -> None:
    def second_order(lib):
        a = lib.tensor([0.5, 1.5, 2.0], requires_grad=True)
        b = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
        first = lib.autograd.grad((b * b).sum() + (a * a).mean(), [a, b], create_graph=True)
        second = lib.autograd.grad(first[0].sum() + first[1].sum(), [a, b])
        plain = lib.autograd.grad(b.sum() + a.mean(), [a, b], create_graph=True)
        return _values(first) + _values(second) + _values(plain)

    assert second_order(minigrad) == second_order(torch)


@pytest.mark.parametrize("source", [
    "T.ones(2).to(3.5)", "T.ones(2).to(True)", "T.ones(2).to(float)", "T.ones(2).to(int)",
    "T.ones(2).to(bool)", "T.device(3.5)", "T.device(None)",
])
def test_to_and_device_read_python_values_as_pytorch_does(source: str) -> None:
    assert outcome(minigrad, source) == outcome(torch, source)


# Threads ------------------------------------------------------------------------------


def test_threads_running_backward_into_one_leaf_lose_no_update() -> None:
    """Large enough that NumPy's in-place add lets go of the GIL mid-way, as races need."""
    import sys
    import threading

    def four_threads(lib):
        w = lib.ones(1_000_000, requires_grad=True)
        start = threading.Barrier(4)

        def work() -> None:
            start.wait()
            for _ in range(10):
                (w * 2).sum().backward()

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return np.unique(w.grad.numpy()).tolist()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        assert four_threads(minigrad) == four_threads(torch) == [80.0]
    finally:
        sys.setswitchinterval(interval)


# API that popular material uses -----------------------------------------------------------


@pytest.mark.parametrize("source", [
    "T.accelerator.is_available()",
    "str(T.accelerator.current_accelerator())",
    "str(T.accelerator.current_accelerator(check_available=True))",
    "T.accelerator.device_count()",
    "T.accelerator.current_device_index()",
    "str(T.get_default_device())",
])
def test_accelerator_and_default_device_answer_as_a_cpu_only_pytorch(source: str) -> None:
    if minigrad.cuda.is_available():
        pytest.skip("the oracle is a CPU-only PyTorch; this machine has a GPU")
    assert outcome(minigrad, source) == outcome(torch, source)


@pytest.mark.parametrize("target", ["cpu", minigrad.device("cpu"), None])
def test_set_default_device_to_the_cpu(target) -> None:
    try:
        minigrad.set_default_device(target)
        assert minigrad.get_default_device() == minigrad.device("cpu")
        assert minigrad.zeros(2).device == minigrad.device("cpu")
    finally:
        minigrad.set_default_device(None)


def test_factories_follow_the_default_device(fake_cuda) -> None:
    try:
        minigrad.set_default_device("cuda")
        assert str(minigrad.get_default_device()) == "cuda:0"
        made = [minigrad.zeros(2), minigrad.tensor([1.0]), minigrad.randn(2), minigrad.arange(3),
                minigrad.full((2,), 1.5), minigrad.eye(2)]
        assert all(t.device.type == "cuda" for t in made)
        assert minigrad.zeros(2, device="cpu").device.type == "cpu"
    finally:
        minigrad.set_default_device(None)
    assert minigrad.zeros(2).device.type == "cpu"


@pytest.mark.parametrize("source", [
    "T.zeros(size=(2, 3))", "T.ones(size=[2])", "T.empty(size=(2,)).shape",
    "T.full(size=(2,), fill_value=3)", "T.zeros(2, size=(2, 3))", "T.zeros((2, 3), size=(2, 3))",
    "T.zeros(size=2)", "T.zeros()", "T.rand(size=(2, 1)).shape", "T.randn(size=(3,)).shape",
])
def test_the_size_keyword_of_factories(source: str) -> None:
    assert outcome(minigrad, source) == outcome(torch, source)


def test_the_size_keyword_draws_the_same_numbers() -> None:
    minigrad.manual_seed(0)
    torch.manual_seed(0)
    assert minigrad.randn(size=(3,)).tolist() == torch.randn(size=(3,)).tolist()


@pytest.mark.parametrize("source", [
    "T.autograd.Variable(T.ones(2), requires_grad=True)",
    "T.autograd.Variable(T.ones(2))",
    "T.autograd.Variable(T.ones(2)).requires_grad",
    "T.autograd.Variable(T.ones(2), requires_grad=True).is_leaf",
    "T.autograd.Variable()",
    "T.autograd.Variable([1.0])",
    "T.autograd.Variable(T.ones(2, requires_grad=True) * 2).grad_fn",
    "isinstance(T.ones(2), T.autograd.Variable)",
    "type(T.autograd.Variable(T.ones(2))).__name__",
])
def test_variable_is_the_old_wrapper_returning_a_tensor(source: str) -> None:
    assert outcome(minigrad, source) == outcome(torch, source)


def test_a_variable_trains_like_a_tensor() -> None:
    def train(lib):
        w = lib.autograd.Variable(lib.tensor([1.0, -2.0]), requires_grad=True)
        (w * w).sum().backward()
        return w.grad.tolist()

    assert train(minigrad) == train(torch)


# Bad arguments to backward() and autograd.grad(), and to `.grad = ...` ---------------------

BAD_BACKWARD_ARGUMENTS = [
    "(T.ones(3, requires_grad=True) * 2).sum().backward(retain_graph='yes')",
    "(T.ones(3, requires_grad=True) * 2).sum().backward(create_graph='yes')",
    "(T.ones(3, requires_grad=True) * 2).sum().backward(retain_graph=1.5)",
    "T.autograd.backward((T.ones(3, requires_grad=True) * 2).sum(), create_graph=None)",
    "T.autograd.grad(T.ones(3, requires_grad=True).sum(), [])",
    "T.autograd.grad(T.ones(3, requires_grad=True).sum(), ())",
    "T.autograd.grad(T.ones(3, requires_grad=True).sum(), [1])",
    "T.autograd.grad(T.ones(3, requires_grad=True).sum(), 'a')",
    "T.autograd.grad([1.0], T.ones(3, requires_grad=True))",
    "T.autograd.backward([1.0])",
    "(T.ones(3, requires_grad=True) * 2).sum().backward(inputs=[])",
    "(T.ones(3, requires_grad=True) * 2).sum().backward(inputs=[1])",
    "T.autograd.grad(T.ones(3, requires_grad=True).sum(), T.ones(1), allow_unused='no')",
    "T.autograd.grad(T.ones(3, requires_grad=True).sum(), T.ones(1), retain_graph='yes')",
    "T.autograd.grad(T.ones(3, requires_grad=True).sum(), T.ones(1), create_graph=None)",
    "T.autograd.grad(T.ones(3, requires_grad=True).sum(), T.ones(1), materialize_grads='a')",
    "(T.ones(3, requires_grad=True) * 2).backward()",
    "(T.ones(3, requires_grad=True) * 2).backward([1.0, 1.0, 1.0])",
    "(T.ones(3, requires_grad=True) * 2).backward('a')",
    "(T.ones(3, requires_grad=True) * 2).backward(2.0)",
    "(T.ones(3, requires_grad=True) * 2).backward(T.ones(1))",
    "T.autograd.grad(T.ones(3, requires_grad=True) * 2, T.ones(3), grad_outputs=T.ones(2))",
    "T.autograd.grad(T.ones(2), T.ones(3, requires_grad=True))",
    "(T.ones(3, requires_grad=True) * 2).int().sum().backward()",
]


@pytest.mark.parametrize("source", BAD_BACKWARD_ARGUMENTS)
def test_bad_backward_and_grad_arguments_raise_as_in_pytorch(source: str) -> None:
    assert outcome(minigrad, source) == outcome(torch, source)


@pytest.mark.parametrize("source", [
    "T.autograd.grad(x * 2, x, grad_outputs=T.ones(3, dtype=T.float64))",
    "T.autograd.grad(x * 2, x, grad_outputs=T.ones(3, dtype=T.int64))",
    "T.autograd.grad((x * 2).sum(), x, grad_outputs=[T.tensor(2)])",
    "T.autograd.grad([(x * 2).sum(), x.sum()], x, grad_outputs=[T.tensor(1.)])",
])
def test_gradients_of_another_dtype_or_too_few_as_in_pytorch(source: str) -> None:
    def run(lib):
        x = lib.ones(3, requires_grad=True)
        try:
            return [(str(g.dtype), g.tolist()) for g in eval(source, {"T": lib, "x": x})]
        except Exception as error:
            return type(error).__name__, str(error)

    assert run(minigrad) == run(torch)


@pytest.mark.parametrize(("dtype", "value"), [
    ("float32", "T.ones(3, dtype=T.int64)"), ("float32", "T.ones(3, dtype=T.float64)"),
    ("float32", "T.ones(3, dtype=T.float16)"), ("float32", "T.ones(2)"),
    ("float32", "T.ones(2, 3)"), ("float32", "T.ones(2, dtype=T.int64)"),
    ("float32", "[1.0, 2.0, 3.0]"), ("float32", "3.0"), ("float32", "x"),
    ("int64", "T.ones(3, dtype=T.float64)"), ("int64", "T.ones(3, dtype=T.uint8)"),
    ("float64", "T.ones(3, dtype=T.int8)"), ("float64", "T.ones(3, dtype=T.bool)"),
    ("float32", "T.ones(3)"), ("float32", "None"),
])
def test_assigning_grad_is_checked_as_in_pytorch(dtype: str, value: str) -> None:
    def assign(lib):
        x = lib.ones(3, dtype=getattr(lib, dtype))
        x.grad = eval(value, {"T": lib, "x": x})
        return None if x.grad is None else (str(x.grad.dtype), x.grad.tolist())

    assert raised(assign, minigrad) == raised(assign, torch)
    if raised(assign, torch) is None:
        assert assign(minigrad) == assign(torch)
