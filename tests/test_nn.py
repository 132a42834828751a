"""`minigrad.nn` against PyTorch 2.13: the tutorial's TinyModel, modules, losses and init.

The tutorial's "Autograd in Training" cells run once with `torch` bound to
PyTorch and once bound to minigrad; what they print must be identical, both
when `manual_seed` makes the weights and when the weights are copied over.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import pickle
import re
import textwrap
import warnings
from collections import OrderedDict
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch
from oracle import assert_close, names_along, raised, to_mini, without_addresses

import minigrad
from minigrad import nn
from minigrad.nn import functional as F

TINY_MODEL = """
BATCH_SIZE = 16
DIM_IN = 1000
HIDDEN_SIZE = 100
DIM_OUT = 10

class TinyModel(torch.nn.Module):

    def __init__(self):
        super(TinyModel, self).__init__()

        self.layer1 = torch.nn.Linear(DIM_IN, HIDDEN_SIZE)
        self.relu = torch.nn.ReLU()
        self.layer2 = torch.nn.Linear(HIDDEN_SIZE, DIM_OUT)

    def forward(self, x):
        x = self.layer1(x)
        x = self.relu(x)
        x = self.layer2(x)
        return x
"""

MAKE_DATA_AND_MODEL = """
some_input = torch.randn(BATCH_SIZE, DIM_IN, requires_grad=False)
ideal_output = torch.randn(BATCH_SIZE, DIM_OUT, requires_grad=False)

model = TinyModel()
"""

TRAINING_CELLS = [
    """
print(model.layer2.weight[0][0:10]) # just a small slice
print(model.layer2.weight.grad)
""",
    """
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)

prediction = model(some_input)

loss = (ideal_output - prediction).pow(2).sum()
print(loss)
""",
    """
loss.backward()
print(model.layer2.weight[0][0:10])
print(model.layer2.weight.grad[0][0:10])
""",
    """
optimizer.step()
print(model.layer2.weight[0][0:10])
print(model.layer2.weight.grad[0][0:10])
""",
    """
print(model.layer2.weight.grad[0][0:10])

for i in range(0, 5):
    prediction = model(some_input)
    loss = (ideal_output - prediction).pow(2).sum()
    loss.backward()

print(model.layer2.weight.grad[0][0:10])

optimizer.zero_grad(set_to_none=False)

print(model.layer2.weight.grad[0][0:10])
""",
    """
optimizer.zero_grad()
print(model.layer2.weight.grad)
print(model)
print(prediction.grad_fn)
print(prediction.grad_fn.next_functions)
""",
]



def run_cells(cells: list[str], namespace: dict) -> list[str]:
    """Run cells one after another in `namespace`; return what each printed."""
    outputs = []
    for cell in cells:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(textwrap.dedent(cell), namespace)
        outputs.append(without_addresses(printed.getvalue()))
    return outputs


NUMBER = re.compile(r"-?\d+\.(\d*)(?:e([+-]\d+))?")


def assert_prints_match(ours: list[str], theirs: list[str]) -> None:
    """The same text, and the same numbers up to one unit in the last printed digit.

    A matrix product sums in an order that depends on the BLAS library, so a
    float32 value may round to the other side of a printed digit.
    """
    for mine, expected in zip(ours, theirs, strict=True):
        assert NUMBER.sub("#", mine) == NUMBER.sub("#", expected), (mine, expected)
        for a, b in zip(NUMBER.finditer(mine), NUMBER.finditer(expected)):
            last_digit = 10.0 ** (int(b.group(2) or 0) - len(b.group(1)))
            assert abs(float(a.group()) - float(b.group())) <= 1.01 * last_digit, (mine, expected)


@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_training_cells_print_what_pytorch_prints_after_manual_seed(seed: int) -> None:
    setup = [f"torch.manual_seed({seed})", TINY_MODEL, MAKE_DATA_AND_MODEL]
    expected = run_cells(setup + TRAINING_CELLS, {"torch": torch})
    assert_prints_match(run_cells(setup + TRAINING_CELLS, {"torch": minigrad}), expected)


def test_training_cells_print_what_pytorch_prints_with_weights_copied_from_torch() -> None:
    torch.manual_seed(7)
    reference: dict = {"torch": torch}
    run_cells([TINY_MODEL, MAKE_DATA_AND_MODEL], reference)
    mini: dict = {"torch": minigrad}
    run_cells([TINY_MODEL], mini)
    mini["some_input"] = to_mini(reference["some_input"])
    mini["ideal_output"] = to_mini(reference["ideal_output"])
    mini["model"] = mini["TinyModel"]()
    state = {key: to_mini(value) for key, value in reference["model"].state_dict().items()}
    mini["model"].load_state_dict(state)
    assert_prints_match(run_cells(TRAINING_CELLS, mini), run_cells(TRAINING_CELLS, reference))


def test_the_tutorials_own_printout_shape() -> None:
    """The lines a learner compares with the tutorial: a slice with SliceBackward0, then None."""
    namespace: dict = {"torch": minigrad}
    outputs = run_cells(["torch.manual_seed(0)", TINY_MODEL, MAKE_DATA_AND_MODEL,
                         *TRAINING_CELLS[:2]], namespace)
    assert outputs[3].endswith("grad_fn=<SliceBackward0>)\nNone\n")
    assert outputs[4].startswith("tensor(") and outputs[4].endswith("grad_fn=<SumBackward0>)\n")


# Linear and its initialisation ---------------------------------------------------


@pytest.mark.parametrize(("in_features", "out_features", "bias"),
                         [(1000, 100, True), (3, 1, True), (7, 5, False), (1, 33, True)])
def test_linear_draws_pytorchs_weights_after_manual_seed(in_features: int, out_features: int,
                                                         bias: bool) -> None:
    torch.manual_seed(3)
    expected = torch.nn.Linear(in_features, out_features, bias=bias)
    minigrad.manual_seed(3)
    layer = nn.Linear(in_features, out_features, bias=bias)
    np.testing.assert_array_equal(layer.weight.detach().numpy(), expected.weight.detach().numpy())
    if bias:
        np.testing.assert_array_equal(layer.bias.detach().numpy(), expected.bias.detach().numpy())
    else:
        assert layer.bias is None
    # The generator is left where PyTorch leaves it.
    np.testing.assert_array_equal(minigrad.rand(4).numpy(), torch.rand(4).numpy())


def test_linear_is_recorded_as_pytorch_records_it() -> None:
    layer = nn.Linear(3, 2)
    assert layer(minigrad.randn(4, 3)).grad_fn.name() == "AddmmBackward0"
    # A vector is one row: PyTorch flattens it into one addmm and views the result back.
    assert layer(minigrad.randn(3)).grad_fn.name() == "ViewBackward0"
    assert torch.nn.Linear(3, 2)(torch.randn(3)).grad_fn.name() == "ViewBackward0"
    assert nn.Linear(3, 2, bias=False)(minigrad.randn(4, 3)).grad_fn.name() == "MmBackward0"
    out, out_ref = layer(minigrad.randn(4, 3)), torch.nn.Linear(3, 2)(torch.randn(4, 3))
    assert [None if node is None else node.name() for node, _ in out.grad_fn.next_functions] \
        == [None if node is None else node.name() for node, _ in out_ref.grad_fn.next_functions]


@pytest.mark.parametrize("shape", [(3,), (4, 3), (2, 4, 3)])
def test_linear_values_and_gradients_match_torch(shape: tuple[int, ...]) -> None:
    reference = torch.nn.Linear(3, 2).double()
    layer = nn.Linear(3, 2, dtype=minigrad.float64)
    layer.load_state_dict({k: to_mini(v) for k, v in reference.state_dict().items()})
    x_ref = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    x = to_mini(x_ref)
    reference(x_ref).square().sum().backward()
    out = layer(x)
    out.square().sum().backward()
    assert_close(out, reference(x_ref), rtol=1e-12)
    assert_close(x.grad, x_ref.grad, rtol=1e-12)
    assert_close(layer.weight.grad, reference.weight.grad, rtol=1e-12)
    assert_close(layer.bias.grad, reference.bias.grad, rtol=1e-12)


# Parameter -----------------------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda t: t.nn.Parameter(t.ones(3)),
    lambda t: t.nn.Parameter(t.ones(2, 2), requires_grad=False),
    lambda t: t.nn.Parameter(t.ones(3, dtype=t.float64)),
    lambda t: t.nn.Parameter(),
    lambda t: t.nn.Parameter(t.arange(12.0).reshape(3, 4) / 7),
])
def test_parameter_prints_like_pytorch(make) -> None:
    assert repr(make(minigrad)) == repr(make(torch))
    assert str(make(minigrad)) == str(make(torch))


def test_parameter_is_a_leaf_sharing_memory_and_ops_give_plain_tensors() -> None:
    data = minigrad.zeros(3)
    param = nn.Parameter(data)
    assert isinstance(param, minigrad.Tensor) and param.is_leaf and param.requires_grad
    data.add_(1)
    assert param.tolist() == [1.0, 1.0, 1.0]
    doubled = param * 2
    assert type(doubled) is minigrad.Tensor
    assert repr(doubled) == repr(torch.nn.Parameter(torch.ones(3)) * 2)


def test_integer_parameter_error_matches_torch() -> None:
    assert raised(nn.Parameter, minigrad.ones(2, dtype=minigrad.int64)) == \
        raised(torch.nn.Parameter, torch.ones(2, dtype=torch.int64))
    counts = nn.Parameter(minigrad.ones(2, dtype=minigrad.int64), requires_grad=False)
    assert not counts.requires_grad


def test_parameter_survives_deepcopy_and_pickle() -> None:
    param = nn.Parameter(minigrad.tensor([1.0, 2.0]))
    for clone in (copy.deepcopy(param), pickle.loads(pickle.dumps(param))):
        assert isinstance(clone, nn.Parameter) and clone.requires_grad
        assert clone.tolist() == [1.0, 2.0]


# Module: registration, traversal, modes ------------------------------------------


def build_nested(t):
    """A model with a nested Sequential, a frozen layer and a buffer, in either library."""

    class Block(t.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = t.nn.Sequential(t.nn.Linear(4, 3), t.nn.Tanh(), t.nn.Linear(3, 3))
            self.gate = t.nn.Sigmoid()
            self.register_buffer("scale", t.ones(3))
            self.register_buffer("cache", t.zeros(1), persistent=False)

        def forward(self, x):
            return self.gate(self.body(x)) * self.scale

    class Net(t.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = t.nn.Linear(3, 2, bias=False)
            self.act = t.nn.ReLU(inplace=True)

        def forward(self, x):
            return self.act(self.head(self.block(x)))

    return Net()


def test_module_tree_names_and_repr_match_torch() -> None:
    mini, ref = build_nested(minigrad), build_nested(torch)
    assert repr(mini) == repr(ref)
    assert [n for n, _ in mini.named_parameters()] == [n for n, _ in ref.named_parameters()]
    assert [n for n, _ in mini.named_buffers()] == [n for n, _ in ref.named_buffers()]
    assert [n for n, _ in mini.named_modules()] == [n for n, _ in ref.named_modules()]
    assert [n for n, _ in mini.named_children()] == [n for n, _ in ref.named_children()]
    assert [type(m).__name__ for m in mini.modules()] == [type(m).__name__ for m in ref.modules()]
    assert [type(m).__name__ for m in mini.children()] == ["Block", "Linear", "ReLU"]
    assert len(list(mini.parameters())) == len(list(ref.parameters())) == 5
    assert len(list(mini.parameters(recurse=False))) == 0
    assert list(mini.state_dict()) == list(ref.state_dict())


@pytest.mark.parametrize("make", [
    lambda t: t.nn.Linear(2, 3, bias=False),
    lambda t: t.nn.ReLU(inplace=True),
    lambda t: t.nn.Sequential(),
    lambda t: t.nn.Module(),
    lambda t: t.nn.MSELoss(reduction="sum"),
    lambda t: t.nn.CrossEntropyLoss(ignore_index=3),
    lambda t: t.nn.Sequential(OrderedDict(first=t.nn.Tanh(), second=t.nn.Sequential(
        t.nn.Linear(1, 1), t.nn.Sigmoid()))),
])
def test_module_repr_matches_torch(make) -> None:
    assert repr(make(minigrad)) == repr(make(torch))


def test_extra_repr_over_several_lines_matches_torch() -> None:
    def build(t):
        class Custom(t.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = t.nn.Linear(1, 1)

            def extra_repr(self):
                return "a=1\nb=2"

        return Custom()

    assert repr(build(minigrad)) == repr(build(torch))


def test_shared_parameters_are_listed_once() -> None:
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_sequential_indexing_and_append() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    assert isinstance(model[0], nn.Linear) and isinstance(model[-1], nn.ReLU)
    assert len(model) == 2 and [type(m) for m in model] == [nn.Linear, nn.ReLU]
    assert isinstance(model[1:], nn.Sequential) and len(model[1:]) == 1
    model.append(nn.Tanh())
    assert list(dict(model.named_children())) == ["0", "1", "2"]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        model[3]
    assert model(minigrad.ones(1, 2)).grad_fn.name() == "TanhBackward0"


def test_train_eval_and_requires_grad_reach_every_submodule() -> None:
    model = build_nested(minigrad)
    assert all(m.training for m in model.modules())
    assert model.eval() is model and not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        model.train("yes")
    model.block.requires_grad_(False)
    frozen = [name for name, p in model.named_parameters() if not p.requires_grad]
    assert frozen == ["block.body.0.weight", "block.body.0.bias", "block.body.2.weight",
                      "block.body.2.bias"]


def test_zero_grad_sets_none_or_zeros() -> None:
    model = nn.Linear(3, 2)
    model(minigrad.ones(1, 3)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert model.weight.grad.tolist() == [[0.0] * 3] * 2
    model.zero_grad()
    assert model.weight.grad is None and model.bias.grad is None


def test_attribute_errors_match_torch() -> None:
    def assign_tensor_to_parameter(t):
        layer = t.nn.Linear(1, 1)
        layer.weight = t.ones(1, 1)

    def assign_before_init(t):
        class Broken(t.nn.Module):
            def __init__(self):
                self.layer = t.nn.Linear(1, 1)

        Broken()

    def missing_forward(t):
        t.nn.Module()(1)

    def missing_attribute(t):
        return t.nn.Sequential().foo

    def non_leaf_parameter(t):
        layer = t.nn.Linear(1, 1)
        layer.register_parameter("w", layer.weight * 2)

    for action in (assign_tensor_to_parameter, assign_before_init, missing_forward,
                   missing_attribute, non_leaf_parameter):
        assert raised(action, minigrad) == raised(action, torch)


def test_to_double_converts_parameters_in_place() -> None:
    model = nn.Linear(2, 2)
    weight = model.weight
    model.double()
    assert model.weight is weight and weight.dtype == minigrad.float64
    assert model.to(minigrad.float32).weight.dtype == minigrad.float32
    with pytest.raises(TypeError, match="only accepts floating point"):
        model.to(minigrad.int64)


# state_dict ----------------------------------------------------------------------


def test_state_dict_round_trip_restores_the_outputs() -> None:
    source, target = build_nested(minigrad), build_nested(minigrad)
    x = minigrad.randn(5, 4)
    state = source.state_dict()
    assert not any(value.requires_grad for value in state.values())
    assert isinstance(source.state_dict(keep_vars=True)["head.weight"], nn.Parameter)
    result = target.load_state_dict(copy.deepcopy(state))
    assert repr(result) == "<All keys matched successfully>"
    assert minigrad.equal(target(x), source(x))
    weight = target.head.weight
    target.load_state_dict(source.state_dict(), assign=True)
    assert target.head.weight is not weight and isinstance(target.head.weight, nn.Parameter)


def test_load_state_dict_errors_match_torch() -> None:
    def outcome(t, edit, strict=True):
        model = t.nn.Sequential(t.nn.Linear(2, 3), t.nn.ReLU(), t.nn.Linear(3, 1))
        state = dict(model.state_dict())
        edit(t, state)
        try:
            return repr(model.load_state_dict(state, strict=strict))
        except RuntimeError as error:
            return str(error)

    def drop_and_add(t, state):
        state.pop("0.bias")
        state["extra"] = t.ones(1)
        state["2.extra"] = t.ones(1)

    def wrong_shape(t, state):
        state["0.weight"] = t.ones(4, 2)

    for edit in (drop_and_add, wrong_shape):
        assert outcome(minigrad, edit) == outcome(torch, edit)
    assert outcome(minigrad, drop_and_add, strict=False) == outcome(torch, drop_and_add, False)


# Losses and functional ------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_values_and_gradients_match_torch(reduction: str) -> None:
    x_ref = torch.randn(4, 3, requires_grad=True)
    target_ref = torch.randn(4, 3, requires_grad=True)
    x, target = to_mini(x_ref), to_mini(target_ref)
    loss = nn.MSELoss(reduction=reduction)(x, target)
    loss_ref = torch.nn.MSELoss(reduction=reduction)(x_ref, target_ref)
    assert_close(loss, loss_ref)
    assert loss.grad_fn.name() == loss_ref.grad_fn.name() == "MseLossBackward0"
    loss.sum().backward()
    loss_ref.sum().backward()
    assert_close(x.grad, x_ref.grad)
    assert_close(target.grad, target_ref.grad)


def test_mse_loss_warns_about_broadcasting_like_torch() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss = F.mse_loss(minigrad.ones(3, 5), minigrad.zeros(5))
        torch.nn.functional.mse_loss(torch.ones(3, 5), torch.zeros(5))
    assert str(caught[0].message) == str(caught[1].message)
    assert loss.item() == 1.0


CROSS_ENTROPY_CASES = {
    "batch": ((6, 5), [1, 0, 4, 4, 2, 3], {}),
    "weighted": ((6, 5), [1, 0, 4, 4, 2, 3], {"weight": [0.5, 1.0, 2.0, 0.1, 3.0]}),
    "ignored": ((6, 5), [1, -100, 4, 4, -100, 3], {}),
    "ignore_index": ((4, 3), [2, 2, 0, 1], {"ignore_index": 2, "weight": [1.0, 2.0, 3.0]}),
    "unbatched": ((5,), 3, {}),
    "spatial": ((2, 3, 4), [[0, 1, 2, 0], [2, 2, 1, 0]], {}),
}


@pytest.mark.parametrize("case", CROSS_ENTROPY_CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_values_and_gradients_match_torch(case: str, reduction: str) -> None:
    shape, target, options = CROSS_ENTROPY_CASES[case]
    x_ref = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    target_ref = torch.tensor(target)
    ref_options = {k: torch.tensor(v, dtype=torch.float64) if k == "weight" else v
                   for k, v in options.items()}
    mini_options = {k: minigrad.tensor(v, dtype=minigrad.float64) if k == "weight" else v
                    for k, v in options.items()}
    x = to_mini(x_ref)
    loss_ref = torch.nn.CrossEntropyLoss(reduction=reduction, **ref_options)(x_ref, target_ref)
    loss = nn.CrossEntropyLoss(reduction=reduction, **mini_options)(x, minigrad.tensor(target))
    assert_close(loss, loss_ref, rtol=1e-12)
    if case != "spatial":  # PyTorch reshapes spatial scores for its NllLoss2d kernel
        assert loss.grad_fn.name() == loss_ref.grad_fn.name() == "NllLossBackward0"
        assert loss.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"
    (loss * minigrad.arange(loss.numel(), dtype=minigrad.float64).reshape(loss.shape)
     if reduction == "none" else loss).sum().backward()
    (loss_ref * torch.arange(loss_ref.numel(), dtype=torch.float64).reshape(loss_ref.shape)
     if reduction == "none" else loss_ref).sum().backward()
    assert_close(x.grad, x_ref.grad, rtol=1e-12)


def test_cross_entropy_errors_match_torch() -> None:
    cases = [((3, 5), [1, 0, 5]), ((3, 5), [1, 0]), ((3, 5), [[1], [0], [2]]),
             ((3, 5, 4), [[0, 1], [0, 1], [0, 1]]), ((5,), [1, 2])]
    for shape, target in cases:
        scores = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        assert raised(F.cross_entropy, minigrad.tensor(scores), minigrad.tensor(target)) == \
            raised(torch.nn.functional.cross_entropy, torch.tensor(scores), torch.tensor(target))
    assert raised(F.nll_loss, minigrad.ones(3, 5), minigrad.ones(3, dtype=minigrad.float64)) == \
        raised(torch.nn.functional.nll_loss, torch.ones(3, 5), torch.ones(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.cross_entropy(minigrad.ones(3, 5), minigrad.tensor([0, 1, 2]), reduction="avg")


def loss_of(lib: ModuleType, case: str, reduction: str, scores: Any) -> tuple[Any, Any]:
    """A loss of `scores` (and, for mse_loss, of a target that requires grad too), with the
    leaves besides `scores` it was taken of."""
    F_lib = lib.nn.functional
    if case == "mse_loss":
        target = lib.tensor([[0., 1., 2., 3.], [1., 1., 1., 1.], [-1., 0., 2., .5]],
                            dtype=lib.float64, requires_grad=True)
        return F_lib.mse_loss(scores, target, reduction=reduction), (target,)
    target = lib.tensor([0, 2, -100 if case == "nll_loss_weighted" else 1])
    if case == "cross_entropy":
        return F_lib.cross_entropy(scores, target, reduction=reduction), ()
    weight = lib.tensor([1., 2., .5, 1.5], dtype=lib.float64) if case == "nll_loss_weighted" \
        else None
    return F_lib.nll_loss(scores, target, weight=weight, reduction=reduction), ()


def double_backward(lib: ModuleType, case: str, reduction: str) -> tuple[Any, Any]:
    """The names of the graph that `grad(loss, create_graph=True)` builds, and the second
    derivatives of the gradients (squared, summed) in the scores, the other leaves and the
    incoming gradient."""
    scores = lib.tensor([[1., -2., 3., 0.], [.5, 2., -1., 1.], [0., 1., 2., 3.]],
                        dtype=lib.float64, requires_grad=True)
    loss, others = loss_of(lib, case, reduction, scores)
    grad_output = lib.tensor(np.linspace(.5, 2., loss.numel()).reshape(tuple(loss.shape)),
                             dtype=lib.float64, requires_grad=True)
    leaves = (scores, *others)
    first = lib.autograd.grad(loss, leaves, grad_output, create_graph=True)
    second = lib.autograd.grad(sum((g * g).sum() for g in first), (*leaves, grad_output),
                               allow_unused=True)
    return ([names_along(g.grad_fn) for g in first],
            [None if g is None else g.detach().numpy().tolist() for g in second])


LOSSES = ["mse_loss", "nll_loss", "nll_loss_weighted", "cross_entropy"]


@pytest.mark.parametrize("case", LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_a_loss_double_backward_records_pytorchs_nodes_and_values(case: str,
                                                                   reduction: str) -> None:
    """A loss's backward is PyTorch's named op (MseLossBackwardBackward0,
    NllLossBackwardBackward0), so a double backward's graph and values are PyTorch's."""
    (names, second), (names_ref, second_ref) = (double_backward(minigrad, case, reduction),
                                                double_backward(torch, case, reduction))
    assert names == names_ref
    assert ("MseLossBackwardBackward0" if case == "mse_loss"
            else "NllLossBackwardBackward0") in repr(names)
    for mine, ref in zip(second, second_ref, strict=True):
        assert (mine is None) == (ref is None)
        if ref is not None:
            np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_a_loss_passes_gradgradcheck(case: str, reduction: str) -> None:
    scores = minigrad.tensor(np.random.default_rng(0).standard_normal((3, 4)),
                             dtype=minigrad.float64, requires_grad=True)
    _, others = loss_of(minigrad, case, reduction, scores)
    assert minigrad.autograd.gradgradcheck(
        lambda *leaves: loss_of(minigrad, case, reduction, leaves[0])[0]
        if not others else minigrad.nn.functional.mse_loss(*leaves, reduction=reduction),
        (scores, *others))


@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid", "softmax", "log_softmax"])
def test_functional_activations_match_torch(name: str) -> None:
    x_ref = torch.randn(3, 4, requires_grad=True)
    x = to_mini(x_ref)
    extra = {"dim": 1} if "softmax" in name else {}
    out = getattr(F, name)(x, **extra)
    out_ref = getattr(torch.nn.functional, name)(x_ref, **extra)
    weights = torch.randn(3, 4)
    (out * to_mini(weights)).sum().backward()
    (out_ref * weights).sum().backward()
    assert_close(out, out_ref)
    assert_close(x.grad, x_ref.grad)
    assert out.grad_fn.name() == out_ref.grad_fn.name()


def test_softmax_without_dim_warns_and_picks_torchs_dim() -> None:
    x = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = F.softmax(minigrad.tensor(x))
        theirs = torch.nn.functional.softmax(torch.tensor(x))
    assert str(caught[0].message) == str(caught[1].message)
    assert_close(ours, theirs)


def test_module_activations_and_inplace_relu() -> None:
    x = minigrad.tensor([-1.0, 0.5])
    assert nn.Tanh()(x).grad_fn is None
    assert nn.Sigmoid()(x).tolist() == pytest.approx([1 / (1 + math.e), 1 / (1 + math.exp(-0.5))])
    assert nn.ReLU(inplace=True)(x) is x and x.tolist() == [0.0, 0.5]


# init ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kwargs"), [
    ("uniform_", {"a": -2.0, "b": 3.0}),
    ("normal_", {"mean": 1.0, "std": 0.5}),
    ("xavier_uniform_", {"gain": 2.0}),
    ("xavier_normal_", {}),
    ("kaiming_uniform_", {"a": math.sqrt(5)}),
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", {"nonlinearity": "tanh"}),
])
def test_init_draws_pytorchs_numbers_after_manual_seed(name: str, kwargs: dict) -> None:
    torch.manual_seed(11)
    expected = getattr(torch.nn.init, name)(torch.empty(20, 3, 2), **kwargs)
    minigrad.manual_seed(11)
    param = nn.Parameter(minigrad.empty(20, 3, 2))
    result = getattr(nn.init, name)(param, **kwargs)
    assert result is param and param.grad_fn is None and param.requires_grad
    np.testing.assert_array_equal(param.detach().numpy(), expected.numpy())


def test_constant_fills_and_gains() -> None:
    param = nn.Parameter(minigrad.empty(2, 2))
    assert nn.init.constant_(param, 0.25).tolist() == [[0.25] * 2] * 2
    assert nn.init.ones_(param).tolist() == [[1.0] * 2] * 2
    assert nn.init.zeros_(param).tolist() == [[0.0] * 2] * 2
    for nonlinearity, param_value in [("linear", None), ("tanh", None), ("relu", None),
                                      ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None),
                                      ("sigmoid", None)]:
        assert nn.init.calculate_gain(nonlinearity, param_value) == \
            torch.nn.init.calculate_gain(nonlinearity, param_value)
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        nn.init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(minigrad.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        nn.init.kaiming_normal_(minigrad.empty(3, 3), mode="fan_avg")

