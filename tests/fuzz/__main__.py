"""`python -m tests.fuzz --n 5000 --profile full|dense --seed S [--only G,..] [--skip G,..]`:
generate and compare programs, print each group of differences with its shortest reproducer.
"""

from __future__ import annotations

import argparse
import sys

from .generate import PROFILES, generate
from .ops import GROUPS
from .run import fuzz


def _groups(text: str) -> set[str]:
    names = {name.strip() for name in text.split(",") if name.strip()}
    unknown = names - set(GROUPS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown groups {sorted(unknown)}; known: {GROUPS}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--n", type=int, default=500, help="how many programs")
    parser.add_argument("--profile", choices=PROFILES, default="full")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", type=_groups, default=None,
                        help=f"comma-separated feature groups to keep, of: {', '.join(GROUPS)}")
    parser.add_argument("--skip", type=_groups, default=set(), help="feature groups to leave out")
    parser.add_argument("--show", metavar="SEED", help="print the program of one seed and exit")
    args = parser.parse_args(argv)
    features = frozenset((args.only if args.only is not None else set(GROUPS)) - args.skip)
    if args.show:
        print(generate(args.show, args.profile, features).text())
        return 0
    report = fuzz(args.n, args.profile, args.seed, features)
    print(report.summary())
    return 1 if report.differing else 0


if __name__ == "__main__":
    sys.exit(main())
