"""A differential fuzzer: random small programs run on minigrad and on PyTorch 2.13.

`python -m tests.fuzz --n 5000 --profile full --seed 0` from the repository root; see
`tests/fuzz/__main__.py` for the flags, `tests/fuzz/ops.py` for the op table.
"""

from .compare import Difference, compare, minimize
from .generate import Program, Statement, generate, written_program
from .ops import GROUPS, OPS, Op
from .run import Report, fuzz, reproducer

__all__ = ["GROUPS", "OPS", "Difference", "Op", "Program", "Report", "Statement", "compare",
           "fuzz", "generate", "minimize", "reproducer", "written_program"]
