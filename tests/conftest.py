"""Test setup shared by every test module (helpers to compare with PyTorch: oracle.py)."""

from __future__ import annotations

import os

import pytest
import torch
from hypothesis import settings

import minigrad

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
