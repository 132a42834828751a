"""Test setup shared by every test module (helpers to compare with PyTorch: oracle.py)."""

from __future__ import annotations

import os

import pytest
import torch
from fake_cuda import FakeCupy
from hypothesis import settings

import minigrad
from minigrad import backend

# In CI, Hypothesis replays the same examples on every run, so a red build is reproducible;
# on a developer's machine it keeps exploring new ones.
settings.register_profile("minigrad", max_examples=25, deadline=None,
                          derandomize=bool(os.environ.get("CI")))
settings.load_profile("minigrad")

# The browser test's notebook is run by that test in JupyterLab, not by nbval.
collect_ignore_glob = ["browser/*.ipynb"]

@pytest.fixture(autouse=True)
def _restore_grad_mode():
    """A test that fails inside `no_grad` must not leave grad mode off for the next one."""
    yield
    minigrad.set_grad_enabled(True)
    torch.set_grad_enabled(True)


@pytest.fixture
def fake_cuda(monkeypatch: pytest.MonkeyPatch) -> FakeCupy:
    """A stand-in GPU in place of CuPy (tests/fake_cuda.py): the device logic without one."""
    fake = FakeCupy()
    monkeypatch.setattr(backend.devices, "_cupy", fake)
    return fake


@pytest.fixture(params=["cpu", "cuda", "fake-cuda"])
def device(request: pytest.FixtureRequest) -> str:
    """The device a test runs on: the CPU, a real GPU (skipped without CuPy and one), or
    the stand-in GPU. Compare with PyTorch on the CPU: move results back with `.cpu()`."""
    if request.param == "cuda" and not minigrad.cuda.is_available():
        pytest.skip("CuPy and an NVIDIA GPU are needed")
    if request.param == "fake-cuda":
        request.getfixturevalue("fake_cuda")
        return "cuda"
    return request.param
