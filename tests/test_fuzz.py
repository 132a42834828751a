"""The differential fuzzer (tests/fuzz/) on a fixed budget: the same programs on every run.

A longer run is one command: `python -m tests.fuzz --n 5000 --profile full --seed 0`.
"""

from __future__ import annotations

import pytest
from fuzz import GROUPS, OPS, fuzz, generate

# Programs per profile: about 25 s each on a 2-core machine shared with other jobs.
BUDGET = {"full": 300, "dense": 150}


@pytest.mark.parametrize("profile", sorted(BUDGET))
def test_random_programs_agree_with_pytorch(profile: str) -> None:
    report = fuzz(BUDGET[profile], profile, seed=0)
    if report.differing:
        pytest.fail(report.summary(), pytrace=False)


def test_generation_is_reproducible_from_the_seed() -> None:
    first, second = generate("full-7-3"), generate("full-7-3")
    assert first.text() == second.text()
    assert 5 <= len(first.statements) <= 20


def test_every_op_of_the_table_is_generated() -> None:
    labels = {s.label for i in range(300) for s in generate(f"full-1-{i}").statements}
    assert {op.name for op in OPS} - labels == set()


def test_a_feature_group_left_out_is_not_generated() -> None:
    only_shapes = frozenset({"shape"})
    labels = {s.label for i in range(50) for s in generate(f"full-2-{i}", "full",
                                                           only_shapes).statements}
    assert labels <= {op.name for op in OPS if op.group == "shape"} | {"create"}
    assert set(GROUPS) >= {op.group for op in OPS}
