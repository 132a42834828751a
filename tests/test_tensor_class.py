"""`Tensor` is readable where it is written: every method in its class body, none attached later.

A learner (or an IDE) who looks for `Tensor.sin` finds it in `minigrad/_tensor.py`. The
behaviour checks pin what moving the methods there could break, each against PyTorch.
"""

from __future__ import annotations

import ast
import inspect
import weakref

import pytest
import torch
from oracle import assert_close, raised, to_mini, to_torch

import minigrad
from minigrad import _tensor

# What Python itself puts into a class's namespace.
_AUTOMATIC = {"__module__", "__qualname__", "__doc__", "__dict__", "__weakref__",
              "__annotations__", "__firstlineno__", "__static_attributes__"}


def _class_body_names() -> set[str]:
    """The names that the class body of `Tensor` in `minigrad/_tensor.py` binds."""
    module = ast.parse(inspect.getsource(_tensor))
    body = next(node for node in module.body
                if isinstance(node, ast.ClassDef) and node.name == "Tensor").body
    names: set[str] = set()
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(statement.name)
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    names.add(target.id)
                    if target.id == "__slots__":
                        names.update(ast.literal_eval(statement.value))
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            names.add(statement.target.id)
    return names


def test_every_tensor_attribute_is_written_in_the_class_body():
    written = _class_body_names()
    attached = set(vars(minigrad.Tensor)) - written - _AUTOMATIC
    assert not attached, f"set on Tensor outside its class body: {sorted(attached)}"


def test_every_public_method_is_written_in_the_class_body():
    written = _class_body_names()
    public = {name for name in dir(minigrad.Tensor) if not name.startswith("_")}
    assert public, "Tensor has no public names?"
    assert public <= written, sorted(public - written)


def _pair(values=(0.5, 1.5, 2.5), requires_grad=True):
    mini = minigrad.tensor(list(values), requires_grad=requires_grad)
    return mini, to_torch(mini)


def test_a_checked_op_numbers_its_arguments_as_a_method():
    mini, ref = _pair()
    assert raised(lambda: mini.mul(None)) == raised(lambda: ref.mul(None))
    assert raised(lambda: mini.add(1, alpha="a")) == raised(lambda: ref.add(1, alpha="a"))


def test_operators_defer_on_unknown_types():
    mini, ref = _pair()
    assert raised(lambda: mini * None) == raised(lambda: ref * None)
    assert raised(lambda: "a" - mini) == raised(lambda: "a" - ref)
    assert (mini == None) is (ref == None) is False  # noqa: E711


@pytest.mark.parametrize("expression", [
    lambda t: 2 - t,
    lambda t: 2 ** t,
    lambda t: 2 / t,
    lambda t: 2 + t,
    lambda t: t.reshape(3, 1) @ t.reshape(1, 3),
    lambda t: t @ t,
])
def test_reflected_operators_and_matmul_match_pytorch(expression):
    mini, ref = _pair()
    mini_out, ref_out = expression(mini), expression(ref)
    assert_close(mini_out, ref_out)
    assert type(mini_out.grad_fn).__name__ == type(ref_out.grad_fn).__name__
    mini_out.sum().backward()
    ref_out.sum().backward()
    assert_close(mini.grad, ref.grad)


def test_inplace_operator_on_a_leaf_that_requires_grad_is_refused():
    def add_one(t):
        t += 1

    mini, ref = _pair()
    assert raised(add_one, mini) == raised(add_one, ref)


def test_inplace_method_records_the_op():
    mini, ref = _pair()
    mini_out, ref_out = (mini * 1).sin_(), (ref * 1).sin_()
    assert_close(mini_out, ref_out)
    assert type(mini_out.grad_fn).__name__ == type(ref_out.grad_fn).__name__ == "SinBackward0"
    mini_out.sum().backward()
    ref_out.sum().backward()
    assert_close(mini.grad, ref.grad)


def test_setitem_fill_and_new_tensors_keep_their_behaviour():
    ref = torch.zeros(2, 3)
    mini = to_mini(ref)
    mini[0] = 5.0
    ref[0] = 5.0
    assert_close(mini, ref)
    assert_close(mini.zero_().fill_(2.0), ref.zero_().fill_(2.0))
    assert_close(mini.new_ones(2), ref.new_ones(2))
    assert_close(mini.new_full((2,), 3), ref.new_full((2,), 3))
    assert_close(mini.double(), ref.double())
    assert_close(mini.T, ref.T)


@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_a_tensor_takes_new_attributes_as_pytorchs_does(lib):
    """A learner may label a tensor (`t.name = "loss"`), as PyTorch allows; a parameter too."""
    tensor = lib.ones(2)
    tensor.note = "kept"
    parameter = lib.nn.Parameter(lib.ones(2))
    parameter.note = "kept too"
    assert (tensor.note, parameter.note) == ("kept", "kept too") and parameter.requires_grad
    assert weakref.ref(tensor)() is tensor
