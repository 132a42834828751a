"""`minigrad.optim` against PyTorch 2.13: SGD and Adam take PyTorch's steps.

A small model starts from weights copied out of PyTorch and trains for 20
steps in both libraries; the losses must follow the same curve.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from oracle import assert_close, raised, to_mini

import minigrad
from minigrad import nn, optim

STEPS = 20

SETTINGS = {
    "sgd": ("SGD", {"lr": 0.1}),
    "sgd_momentum": ("SGD", {"lr": 0.05, "momentum": 0.9}),
    "sgd_dampening": ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    "sgd_nesterov": ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    "sgd_weight_decay": ("SGD", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01}),
    "sgd_maximize": ("SGD", {"lr": 0.01, "maximize": True}),
    "adam": ("Adam", {"lr": 0.01}),
    "adam_amsgrad": ("Adam", {"lr": 0.02, "amsgrad": True}),
    "adam_weight_decay": ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    "adam_decoupled": ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    "adam_eps_maximize": ("Adam", {"lr": 0.005, "eps": 1e-3, "maximize": True}),
}


def build(t):
    """A two-layer regression model in library `t` (`torch` or `minigrad`)."""
    return t.nn.Sequential(t.nn.Linear(5, 8), t.nn.Tanh(), t.nn.Linear(8, 3))


def problem(seed: int = 0):
    """The same model and data in both libraries, PyTorch's weights copied into minigrad's."""
    torch.manual_seed(seed)
    reference = build(torch)
    x, y = torch.randn(16, 5), torch.randn(16, 3)
    model = build(minigrad)
    model.load_state_dict({k: to_mini(v) for k, v in reference.state_dict().items()})
    return (reference, x, y), (model, to_mini(x), to_mini(y))


def train(t, model, x, y, optimizer) -> list[float]:
    losses = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = t.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("setting", SETTINGS)
def test_training_follows_pytorchs_loss_curve(setting: str) -> None:
    name, options = SETTINGS[setting]
    (reference, x_ref, y_ref), (model, x, y) = problem()
    expected = train(torch, reference, x_ref, y_ref,
                     getattr(torch.optim, name)(reference.parameters(), **options))
    losses = train(minigrad, model, x, y, getattr(optim, name)(model.parameters(), **options))
    np.testing.assert_allclose(losses, expected, rtol=1e-4)
    assert losses[-1] != losses[0]
    for param, param_ref in zip(model.parameters(), reference.parameters()):
        assert_close(param, param_ref, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("options", [
    {"lr": 0.1},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.02},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True, "maximize": True},
])
@pytest.mark.parametrize("size", [1000, 150_001])  # the larger one is updated in chunks
def test_sgd_updates_are_bit_identical_to_pytorchs(options: dict, size: int) -> None:
    """Same weights and gradients in, the very same float32 weights out, step after step."""
    rng = np.random.default_rng(5)
    start = rng.standard_normal(size).astype(np.float32)
    param_ref = torch.nn.Parameter(torch.tensor(start))
    param = nn.Parameter(minigrad.tensor(start))
    optimizer_ref = torch.optim.SGD([param_ref], **options)
    optimizer = optim.SGD([param], **options)
    for _ in range(5):
        grad = rng.standard_normal(size).astype(np.float32)
        param_ref.grad, param.grad = torch.tensor(grad), minigrad.tensor(grad)
        optimizer_ref.step()
        optimizer.step()
        np.testing.assert_array_equal(param.detach().numpy(), param_ref.detach().numpy())


def test_adam_state_matches_pytorchs() -> None:
    (reference, x_ref, y_ref), (model, x, y) = problem(seed=3)
    optimizer_ref = torch.optim.Adam(reference.parameters(), lr=0.01, amsgrad=True)
    optimizer = optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    train(torch, reference, x_ref, y_ref, optimizer_ref)
    train(minigrad, model, x, y, optimizer)
    state, state_ref = optimizer.state_dict()["state"], optimizer_ref.state_dict()["state"]
    assert list(state) == list(state_ref) == [0, 1, 2, 3]
    for index in state:
        assert list(state[index]) == list(state_ref[index])
        assert repr(state[index]["step"]) == repr(state_ref[index]["step"]) == "tensor(20.)"
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            assert_close(state[index][key], state_ref[index][key], rtol=1e-4, atol=1e-7)


# The optimizer object --------------------------------------------------------------


def two_groups(t):
    model = build(t)
    return t.optim.SGD([{"params": model[0].parameters()},
                        {"params": model[2].parameters(), "lr": 0.5, "momentum": 0.9}],
                       lr=0.01)


@pytest.mark.parametrize("make", [
    lambda t: t.optim.SGD(build(t).parameters(), lr=0.001),
    lambda t: t.optim.Adam(build(t).parameters()),
    lambda t: t.optim.Adam(build(t).parameters(), lr=0.1, betas=(0.5, 0.6), amsgrad=True),
    two_groups,
])
def test_optimizer_repr_matches_torch(make) -> None:
    assert repr(make(minigrad)) == repr(make(torch))


def test_param_groups_and_state_dict_layout_match_torch() -> None:
    ours, theirs = two_groups(minigrad), two_groups(torch)
    assert [len(g["params"]) for g in ours.param_groups] == [2, 2]
    assert ours.param_groups[1]["lr"] == 0.5 and ours.param_groups[0]["lr"] == 0.01
    assert ours.state_dict() == theirs.state_dict() == {
        "state": {}, "param_groups": theirs.state_dict()["param_groups"]}
    assert theirs.state_dict()["param_groups"][1]["params"] == [2, 3]


def test_state_dict_round_trip_continues_training_identically() -> None:
    (_, _, _), (model, x, y) = problem(seed=1)
    twin = copy.deepcopy(model)
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    train(minigrad, model, x, y, optimizer)
    twin.load_state_dict(model.state_dict())
    resumed = optim.Adam(twin.parameters(), lr=0.5)
    resumed.load_state_dict(optimizer.state_dict())
    assert resumed.param_groups[0]["lr"] == 0.01
    assert resumed.state[next(twin.parameters())]["exp_avg"] is not \
        optimizer.state[next(model.parameters())]["exp_avg"]
    assert train(minigrad, twin, x, y, resumed) == train(minigrad, model, x, y, optimizer)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        two_groups(minigrad).load_state_dict(optimizer.state_dict())


def test_zero_grad_sets_none_or_zeros() -> None:
    (_, _, _), (model, x, y) = problem()
    optimizer = optim.SGD(model.parameters())
    minigrad.nn.functional.mse_loss(model(x), y).backward()
    optimizer.zero_grad(set_to_none=False)
    assert all(not p.grad.numpy().any() for p in model.parameters())
    optimizer.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_step_with_a_closure_returns_its_loss_and_skips_params_without_grad() -> None:
    frozen = nn.Parameter(minigrad.ones(2))
    weight = nn.Parameter(minigrad.ones(2))
    optimizer = optim.SGD([weight, frozen], lr=0.5)

    def closure():
        optimizer.zero_grad()
        loss = (weight * weight).sum()
        loss.backward()
        return loss

    assert optimizer.step(closure).item() == 2.0
    assert weight.tolist() == [0.0, 0.0] and frozen.tolist() == [1.0, 1.0]


def test_step_changes_parameters_in_place_and_bumps_their_version() -> None:
    weight = nn.Parameter(minigrad.ones(3))
    data = weight.detach()
    loss = (weight * weight).sum()
    loss.backward(retain_graph=True)
    version = weight._version
    optim.SGD([weight], lr=0.1).step()
    assert weight._version == version + 1 and data.tolist() == pytest.approx([0.8] * 3)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()



def test_construction_errors_match_torch() -> None:
    makers = [
        lambda t: t.optim.SGD([], lr=0.1),
        lambda t: t.optim.SGD(t.ones(2, requires_grad=True)),
        lambda t: t.optim.SGD([t.ones(2, requires_grad=True) * 2]),
        lambda t: t.optim.SGD([1.0]),
        lambda t: t.optim.SGD([t.nn.Parameter(t.ones(1))], lr=-1),
        lambda t: t.optim.SGD([t.nn.Parameter(t.ones(1))], nesterov=True),
        lambda t: t.optim.Adam([t.nn.Parameter(t.ones(1))], betas=(1.0, 0.9)),
        lambda t: t.optim.Adam([t.nn.Parameter(t.ones(1))], eps=-1.0),
        lambda t: t.optim.SGD([{"params": {t.nn.Parameter(t.ones(1))}}]),
    ]
    for make in makers:
        ours = raised(make, minigrad)
        assert ours is not None and ours == raised(make, torch)
    shared = nn.Parameter(minigrad.ones(1))
    optimizer = optim.SGD([shared])
    with pytest.raises(ValueError, match="some parameters appear in more than one"):
        optimizer.add_param_group({"params": [shared]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        optimizer.add_param_group([shared])


def test_named_parameters_are_accepted_as_in_torch() -> None:
    model = build(minigrad)
    optimizer = optim.SGD(model.named_parameters(), lr=0.1)
    assert optimizer.param_groups[0]["param_names"] == ["0.weight", "0.bias", "2.weight",
                                                        "2.bias"]
    assert optimizer.state_dict()["param_groups"][0]["param_names"][0] == "0.weight"
