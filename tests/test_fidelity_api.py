"""The advanced autograd API that tutorials use, run on minigrad and on PyTorch side by side.

Each test writes one small program against a library `lib` (PyTorch's module
layout: `lib.autograd.graph`, `lib.inference_mode`), runs it on both, and
compares what a learner would see: values, gradients, node names, errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minigrad
from tests.oracle import raised, without_addresses

LIBRARIES = (minigrad, torch)


def observe(value: Any) -> Any:
    """What a learner sees of a result, comparable across the two libraries."""
    if isinstance(value, (minigrad.Tensor, torch.Tensor)):
        return (value.detach().numpy().round(4).tolist(), str(value.dtype).split(".")[-1],
                value.requires_grad, type(value.grad_fn).__name__ if value.grad_fn else None)
    if isinstance(value, (tuple, list)):
        return type(value)(observe(v) for v in value)
    if isinstance(value, str):
        return without_addresses(value)
    return value


def both(program: Callable[[Any], Any]) -> None:
    """Run `program(lib)` on minigrad and PyTorch; what each returns must be the same."""
    mini, ref = (observe(program(lib)) for lib in LIBRARIES)
    assert mini == ref


def names(node: Any) -> list[Any]:
    """The node's name and its next_functions' names, as a learner prints them."""
    return [type(node).__name__, [type(n).__name__ if n is not None else None
                                  for n, _ in node.next_functions]]


# inference_mode ---------------------------------------------------------------------------------


def test_inference_mode_makes_inference_tensors_without_a_graph() -> None:
    def program(lib: Any) -> Any:
        x = lib.ones(3, requires_grad=True)
        normal = lib.ones(3)
        with lib.inference_mode():
            made = lib.ones(3)
            product = x * 2
            view = normal[0:2]
            inside = (lib.is_grad_enabled(), lib.is_inference_mode_enabled())
            with lib.inference_mode(False):
                off = (lib.is_grad_enabled(), lib.is_inference_mode_enabled(),
                       lib.ones(1).is_inference())
        return (inside, off, made.is_inference(), product.is_inference(), product.requires_grad,
                view.is_inference(), x.is_inference(), made.detach().is_inference(),
                made.view(3).is_inference(), (normal * made).is_inference(),
                lib.is_inference_mode_enabled())

    both(program)


def test_inference_mode_as_decorator() -> None:
    def program(lib: Any) -> Any:
        @lib.inference_mode
        def bare() -> Any:
            return lib.is_inference_mode_enabled(), lib.is_grad_enabled()

        @lib.inference_mode()
        def called() -> Any:
            return lib.is_inference_mode_enabled(), lib.ones(1).is_inference()

        @lib.inference_mode(False)
        def off() -> Any:
            return lib.is_inference_mode_enabled(), lib.is_grad_enabled()

        with lib.no_grad():
            off_under_no_grad = off()  # inference_mode(False) turns grad mode on
        return bare(), called(), off_under_no_grad, lib.is_inference_mode_enabled()

    both(program)


@pytest.mark.parametrize("misuse", [
    "x * made",           # Mul saves its other input
    "x.exp() * made",
    "made.requires_grad_()",
    "made.add_(1)",
    "made.__setitem__(0, 1.0)",
    "made._version",
])
def test_inference_tensor_rules_outside_the_block(misuse: str) -> None:
    def program(lib: Any) -> Any:
        x = lib.ones(3, requires_grad=True)
        with lib.inference_mode():
            made = lib.ones(3)
        return raised(lambda: eval(misuse, {"x": x, "made": made}))

    both(program)


def test_inference_tensors_allowed_where_nothing_is_saved() -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with lib.inference_mode():
            made = lib.ones(3)
            inside = made.requires_grad_(), made.requires_grad_(False)
            made.add_(1)  # in place inside the block is fine
        total = x + made
        total.sum().backward()
        return (inside, total, x.grad, made.requires_grad_(False), made.clone().is_inference(),
                made.sin())

    both(program)


# saved_tensors_hooks and _raw_saved_* ---------------------------------------------------------


def test_saved_tensors_hooks_pack_on_save_unpack_on_use() -> None:
    def program(lib: Any) -> Any:
        calls: list[Any] = []

        def pack(tensor: Any) -> Any:
            calls.append(("pack", tuple(tensor.shape), tensor.requires_grad))
            return tensor.detach() * 10

        def unpack(packed: Any) -> Any:
            calls.append(("unpack", tuple(packed.shape)))
            return packed / 10

        x = lib.tensor([0.5, 1.0, 2.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
            a = x * x
            b = a.sin()
            c = x.exp()
        after = x * x  # outside the block: no hooks
        saved = (b.grad_fn._saved_self, c.grad_fn._saved_result, a.grad_fn._saved_other)
        (b.sum() + c.sum() + after.sum()).backward()
        return calls, saved, x.grad

    both(program)


def test_saved_tensors_hooks_under_create_graph() -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([0.5, 1.0, 2.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t * 1, lambda p: p):
            y = (x * x * x).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        g.sum().backward()
        return g, x.grad

    both(program)


def test_saved_tensors_hooks_on_a_custom_function() -> None:
    def program(lib: Any) -> Any:
        class Twice(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, a: Any) -> Any:
                ctx.save_for_backward(None, a)
                return a * 2

            @staticmethod
            def backward(ctx: Any, grad: Any) -> Any:
                nothing, a = ctx.saved_tensors
                calls.append(f"saved None: {nothing is None}")
                return grad * 2 + 0 * a

        calls: list[str] = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: calls.append("pack") or t,
                                                    lambda p: calls.append("unpack") or p):
            out = Twice.apply(x)
        out.sum().backward()
        return calls, x.grad

    both(program)


@pytest.mark.parametrize("case", ["pack_in_place", "unpack_not_tensor", "unpack_str_on_access"])
def test_saved_tensors_hooks_misuse(case: str) -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        hooks = lib.autograd.graph.saved_tensors_hooks
        if case == "pack_in_place":
            with hooks(lambda t: t.mul_(2), lambda p: p):
                return raised(lambda: x * x)
        with hooks(lambda t: t, lambda p: "not a tensor"):
            y = x * x
        if case == "unpack_not_tensor":
            return raised(lambda: y.sum().backward())
        return raised(lambda: y.grad_fn._saved_self)

    both(program)


def test_save_on_cpu_keeps_values_and_gradients() -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([0.5, 1.0], requires_grad=True)
        with lib.autograd.graph.save_on_cpu():
            y = (x * x.sin()).sum()
        y.backward()
        return y, x.grad

    both(program)


def test_raw_saved_register_hooks() -> None:
    def program(lib: Any) -> Any:
        calls: list[Any] = []
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x.pow(2)
        raw = y.grad_fn._raw_saved_self
        raw.register_hooks(lambda t: calls.append("pack") or t.detach() + 1,
                           lambda p: calls.append("unpack") or p - 1)
        again = raised(lambda: raw.register_hooks(lambda t: t, lambda p: p))
        again_fresh = raised(lambda: y.grad_fn._raw_saved_self.register_hooks(lambda t: t,
                                                                                 lambda p: p))
        saved = y.grad_fn._saved_self
        y.sum().backward()
        freed = raised(lambda: y.grad_fn._raw_saved_self.register_hooks(lambda t: t, lambda p: p))
        return (calls, again, again_fresh, saved, x.grad, freed,
                repr(raw).split(" object")[0], raised(lambda: y.grad_fn._raw_saved_other))

    both(program)


def test_raw_saved_result_with_hooks() -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        y = x.exp()
        y.grad_fn._raw_saved_result.register_hooks(lambda t: t.detach().numpy().copy(),
                                                   lambda p: lib.tensor(p))
        y.sum().backward()
        return y.grad_fn is not None, x.grad

    both(program)


def test_raw_saved_register_hooks_wrong_arguments() -> None:
    def program(lib: Any) -> Any:
        raw = lib.tensor([1.0], requires_grad=True).exp().grad_fn._raw_saved_result
        return [raised(raw.register_hooks, *args)[1].split("\n")[0]
                for args in ((1, lambda p: p), (lambda t: t,))]

    both(program)


def test_unpacked_values_reach_backward() -> None:
    # The unpack hook's values are what backward uses (here: changed on purpose).
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: p * 0 + 5):
            y = x * x
        y.sum().backward()
        return x.grad, np.asarray(y.grad_fn is not None)

    both(program)


# register_multi_grad_hook -----------------------------------------------------------------------


def test_multi_grad_hook_all_waits_for_the_gradients_this_pass_computes() -> None:
    def program(lib: Any) -> Any:
        seen: list[Any] = []
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        c, d = a * b, a * b
        handle = lib.autograd.graph.register_multi_grad_hook(
            (a, b, c, d), lambda grads: seen.append([type(grads).__name__, *grads]))
        c.sum().backward(retain_graph=True)
        c.sum().backward(inputs=(a,), retain_graph=True)
        lib.autograd.grad(c.sum(), [c], retain_graph=True)
        handle.remove()
        c.sum().backward()
        return seen, type(handle).__name__

    both(program)


def test_multi_grad_hook_any_fires_once_per_pass() -> None:
    def program(lib: Any) -> Any:
        seen: list[Any] = []
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        c, d = a * 2, a * 3
        lib.autograd.graph.register_multi_grad_hook((a, c, d), seen.append, mode="any")
        (c.sum() + d.sum()).backward(retain_graph=True)
        d.sum().backward()
        return seen, raised(lambda: lib.autograd.graph.register_multi_grad_hook(
            (a,), seen.append, mode="some"))

    both(program)


# Index assignment and in-place ops on views ----------------------------------------------------


def test_masked_assignment_recipe_of_the_autograd_note() -> None:
    # The Autograd mechanics note: keep NaN out of the gradient by writing only the safe places.
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        d = lib.tensor([2.0, 0.0, 4.0])
        mask = d != 0
        safe = lib.zeros_like(x)
        safe[mask] = x[mask] / d[mask]
        safe.sum().backward()
        return safe, names(safe.grad_fn), x.grad

    both(program)


@pytest.mark.parametrize("statement", [
    "b[mask] = 5.0",
    "b[mask] = x[mask] * 3",
    "b[[0, 2]] = x[:2]",
    "b[mask] += 1",
    "b[0] = x[1] * 3",
    "b[1:3] = 7",
    "b[1:] = x[:2].exp()",
    "b[0] += x[0]",
    "b[...] = x.sin()",
    "b[-1] = 0",
])
def test_index_assignment_on_a_non_leaf(statement: str) -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        mask = lib.tensor([True, False, True])
        b = x * 2
        exec(statement, {"x": x, "b": b, "mask": mask})
        (b * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        return b, names(b.grad_fn), x.grad, b._version

    both(program)


def test_assignment_into_a_plain_tensor_from_a_tracked_value() -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        rows = lib.zeros(3, 2)
        rows[0] = x[:2]
        rows[2, 1] = x[2] ** 2
        loss = (rows * rows).sum()
        loss.backward()
        return rows, names(rows.grad_fn), x.grad

    both(program)


@pytest.mark.parametrize("op", ["mul_(3)", "add_(w)", "zero_()", "copy_(w.exp())", "exp_()"])
def test_in_place_on_a_view_rebases_the_base(op: str) -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, -2.0, 3.0, 0.5], requires_grad=True)
        w = lib.tensor([0.5, 1.5], requires_grad=True)
        b = x * 2
        v = b[1:3]
        eval(f"v.{op}", {"v": v, "w": w})
        (b * lib.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
        return (b, v, names(b.grad_fn), names(v.grad_fn), x.grad, w.grad,
                b.grad_fn.name(), v.is_leaf)

    both(program)


def test_in_place_on_views_of_views_and_reshapes() -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        b = x * 1
        b.t()[1].mul_(10)            # a column, through a transposed view
        b.view(6)[::2].add_(1)       # every other element, through a flat view
        b[1][1:].pow_(2)
        b.sum().backward()
        return b, x.grad, names(b.grad_fn)

    both(program)


def test_double_backward_through_copy_slices() -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = x * x
        b[1:].mul_(x[:2])
        (g,) = lib.autograd.grad(b.sum(), x, create_graph=True)
        g.sum().backward()
        return g.detach(), x.grad

    both(program)


@pytest.mark.parametrize("misuse", [
    "x[0].mul_(2)",
    "x[1:].zero_()",
    "x.__setitem__(0, 1.0)",
    "x.__setitem__(mask, 1.0)",
    "x.view(3).add_(1)",
])
def test_writing_into_a_leaf_that_requires_grad(misuse: str) -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        mask = lib.tensor([True, False, True])
        error = raised(lambda: eval(misuse, {"x": x, "mask": mask}))
        with lib.no_grad():
            eval(misuse, {"x": x, "mask": mask})  # allowed without grad mode
        return error, x

    both(program)


def test_saved_value_overwritten_through_assignment() -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = x * 2
        c = b.sin()             # saves b
        b[0] = 1.0
        d = b * 1
        v = d[0:2]
        e = d.exp()             # saves its result, d
        v.add_(1)
        return (raised(lambda: c.sum().backward()), raised(lambda: e.sum().backward()),
                b._version, d._version, v._version)

    both(program)


def test_assignment_without_grad_mode_records_nothing() -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = lib.zeros(3)
        with lib.no_grad():
            b[0] = x[0]
            b[lib.tensor([1, 2])] = x[1:] * 2
        return b, b._version
    both(program)


@pytest.mark.parametrize("key", ["...", ":", "(slice(None),)", "(..., slice(None))"])
def test_assignment_to_everything_is_a_plain_copy(key: str) -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = x * 2
        exec(f"b[{key}] = x.sin()", {"x": x, "b": b})
        b.sum().backward()
        return b, names(b.grad_fn), x.grad

    both(program)
