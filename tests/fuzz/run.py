"""Runs many generated programs and groups the differences by where and how they part."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from .compare import Difference, compare, minimize
from .generate import Program, Statement, generate

HEADER = "import torch\nfrom math import inf, nan\n"
EXAMPLES_MINIMIZED_PER_GROUP = 3


@dataclass
class Group:
    """Programs that part at the same op with the same kind of difference."""

    key: str
    count: int = 0
    seeds: list[str] = field(default_factory=list)
    shortest: list[Statement] | None = None
    difference: Difference | None = None

    def add(self, program: Program, difference: Difference) -> None:
        self.count += 1
        self.seeds.append(program.seed)
        if len(self.seeds) > EXAMPLES_MINIMIZED_PER_GROUP:
            return
        statements, found = minimize(program.statements, difference)
        if self.shortest is None or len(statements) < len(self.shortest):
            self.shortest, self.difference = statements, found

    def reproducer(self) -> str:
        return reproducer(self.shortest or [], self.difference)


def reproducer(statements: list[Statement], difference: Difference | None) -> str:
    """The program text to paste, and what differed (at which line)."""
    text = HEADER + "\n".join(s.text for s in statements)
    if difference is None:
        return text
    where = (f"line {difference.index + 1} ({statements[difference.index].text.splitlines()[0]})"
             if difference.index < len(statements) else "the end (final comparison)")
    return f"{text}\n# differs at {where}: {difference.kind}\n# " + difference.detail.replace(
        "\n", "\n# ")


def group_key(program: Program, difference: Difference) -> str:
    if difference.index < len(program.statements):
        label = program.statements[difference.index].label
    else:
        label = "end"
    return f"{label}: {difference.kind}"


@dataclass
class Report:
    """What a run found: how many programs, how long, the groups of differences."""

    profile: str
    programs: int = 0
    differing: int = 0
    seconds: float = 0.0
    groups: dict[str, Group] = field(default_factory=dict)

    def add(self, program: Program, difference: Difference | None) -> None:
        self.programs += 1
        if difference is None:
            return
        self.differing += 1
        key = group_key(program, difference)
        self.groups.setdefault(key, Group(key)).add(program, difference)

    def summary(self) -> str:
        lines = [f"profile {self.profile}: {self.differing} of {self.programs} programs differ "
                 f"({self.seconds:.1f} s, {len(self.groups)} groups)"]
        for group in sorted(self.groups.values(), key=lambda g: -g.count):
            lines.append(f"\n## {group.key} — {group.count} programs (e.g. seed "
                         f"{group.seeds[0]!r})\n{group.reproducer()}")
        return "\n".join(lines)


def seeds(profile: str, seed: int, n: int) -> Iterable[str]:
    return (f"{profile}-{seed}-{i}" for i in range(n))


def fuzz(n: int, profile: str = "full", seed: int = 0,
         features: frozenset[str] | None = None) -> Report:
    """Generate and compare `n` programs; the grouped differences."""
    report = Report(profile)
    start = time.perf_counter()
    for program_seed in seeds(profile, seed, n):
        program = generate(program_seed, profile, features)
        report.add(program, compare(program.statements))
    report.seconds = time.perf_counter() - start
    return report
