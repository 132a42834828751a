"""Writes random small programs as Python text over `torch`, from a seed.

The generator runs each statement on PyTorch as it writes it, so every argument is drawn
against the live value (a `dim` in range, a reshape that fits, a matmul partner of the right
shape). The same text is later run on both libraries by `tests/fuzz/compare.py`.
"""

from __future__ import annotations

import math
import random
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from .ops import DATA_FEATURES, GROUPS, OPS, Op

PROFILES = ("full", "dense")


@dataclass(frozen=True)
class Statement:
    """One statement of a program: its text, the op it exercises, the names it binds or
    changes, and whether it runs backward (so every tensor's `.grad` is compared after it)."""

    text: str
    label: str
    targets: tuple[str, ...] = ()
    touches_grads: bool = False


@dataclass
class Program:
    """A generated program and where it came from."""

    seed: str
    statements: list[Statement] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(s.text for s in self.statements)


def namespace(library: Any) -> dict[str, Any]:
    """The globals a program runs in: `torch` is the library under test."""
    return {"torch": library, "nan": math.nan, "inf": math.inf}


def execute(text: str, scope: dict[str, Any]) -> Exception | None:
    """Run one statement; the exception it raised, if any."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(text, "<fuzz>", "exec"), scope)
    except Exception as error:
        return error
    return None


def _safely(keep: Callable[[torch.Tensor], bool], tensor: torch.Tensor) -> bool:
    """`keep(tensor)`, False where reading the tensor raises (a view of several outputs,
    such as `split`'s, whose base changed in place raises on reading `grad_fn`)."""
    try:
        return keep(tensor)
    except RuntimeError:
        return False


class Generator:
    """Builds one program, statement by statement, against live PyTorch values."""

    def __init__(self, seed: str, profile: str, features: frozenset[str]):
        self.rng = random.Random(seed)
        self.profile = profile
        self.features = features
        self.program = Program(seed)
        self.scope = namespace(torch)
        self.count = 0
        self.errors_left = 2 if "errors" in features else 0
        self.ops = [op for op in OPS if op.group in features]
        self.pending: dict[str, str] = {}

    # --- the program's state ---------------------------------------------------------------

    def tensors(self, keep: Callable[[torch.Tensor], bool] = lambda t: True) -> list[str]:
        return [name for name, value in self.scope.items()
                if name.startswith("v") and isinstance(value, torch.Tensor)
                and _safely(keep, value)]

    def fresh_name(self) -> str:
        self.count += 1
        return f"v{self.count}"

    def emit(self, statement: Statement) -> bool:
        """Run a statement on PyTorch and keep it unless it raised with no error budget left."""
        error = execute(statement.text, self.scope)
        if error is not None:
            if self.errors_left <= 0:
                return False
            self.errors_left -= 1
        self.program.statements.append(statement)
        return True

    # --- data -------------------------------------------------------------------------------

    def draw_shape(self) -> tuple[int, ...]:
        rng = self.rng
        if self.profile == "dense":
            return tuple(rng.randint(2, 4) for _ in range(rng.randint(1, 3)))
        ndims = [1, 2, 3] + ([0] if "zerodim" in self.features else [])
        ndim = rng.choices(ndims, weights=[35, 30, 15, 20][:len(ndims)])[0]
        sizes = [1, 2, 3] + ([0] if "empty" in self.features else [])
        return tuple(rng.choices(sizes, weights=[30, 30, 30, 10][:len(sizes)])[0]
                     for _ in range(ndim))

    def draw_dtype(self) -> torch.dtype:
        choices = [(torch.float32, 55)]
        if "float64" in self.features:
            choices.append((torch.float64, 25))
        if "int" in self.features and self.profile == "full":
            choices += [(torch.int64, 12), (torch.bool, 8)]
        dtypes, weights = zip(*choices)
        return self.rng.choices(dtypes, weights=weights)[0]

    def draw_value(self, dtype: torch.dtype) -> str:
        rng = self.rng
        if dtype == torch.bool:
            return rng.choice(["True", "False"])
        if dtype == torch.int64:
            return str(rng.randint(-3, 5))
        if "nan" in self.features and self.profile == "full" and rng.random() < 0.08:
            return rng.choice(["nan", "inf", "-inf"])
        if rng.random() < 0.4:
            return rng.choice(["-2.0", "-1.0", "-0.5", "0.0", "0.5", "1.0", "2.0", "3.0"])
        return repr(round(rng.uniform(-3, 3), 2))

    def literal(self, shape: tuple[int, ...], dtype: torch.dtype) -> str:
        if not shape:
            return self.draw_value(dtype)
        return "[" + ", ".join(self.literal(shape[1:], dtype) for _ in range(shape[0])) + "]"

    def create(self, shape: tuple[int, ...] | None = None, dtype: torch.dtype | None = None,
               requires_grad: bool | None = None) -> str | None:
        """Write a statement that makes a new tensor; its name."""
        rng = self.rng
        shape = self.draw_shape() if shape is None else shape
        dtype = self.draw_dtype() if dtype is None else dtype
        if requires_grad is None:
            requires_grad = dtype.is_floating_point and rng.random() < 0.75
        requires_grad = requires_grad and dtype.is_floating_point
        grad = ", requires_grad=True" if requires_grad else ""
        # The dtype is left to the default (float32) or to the literal (int64, bool) at times.
        implied = dtype in (torch.float32, torch.int64, torch.bool) and rng.random() < 0.5
        if 0 in shape or rng.random() < 0.1:
            factory = rng.choice(["zeros", "ones", f"full_{self.draw_value(dtype)}"])
            factory, _, value = factory.partition("_")
            value_text = f", {value}" if value else ""
            expr = f"torch.{factory}({shape!r}{value_text}, dtype={dtype}{grad})"
        else:
            dtype_text = "" if implied else f", dtype={dtype}"
            expr = f"torch.tensor({self.literal(shape, dtype)}{dtype_text}{grad})"
        name = self.fresh_name()
        if self.emit(Statement(f"{name} = {expr}", "create", (name,))):
            return name
        return None

    def tensor_of(self, shape: tuple[int, ...], dtype: torch.dtype) -> str:
        """A tensor of this shape and dtype: an existing one, or a new one."""
        if dtype == torch.float64 and "float64" not in self.features:
            dtype = torch.float32  # a partner of a `.double()` result: new tensors stay float32
        existing = self.tensors(lambda t: tuple(t.shape) == shape and t.dtype == dtype)
        if existing and self.rng.random() < 0.5:
            return self.rng.choice(existing)
        return self.create(shape, dtype) or "None"

    def partner_dtype(self, a: torch.Tensor) -> torch.dtype:
        return a.dtype if self.rng.random() < 0.8 else self.draw_dtype()

    # --- one statement ---------------------------------------------------------------------

    def pick_input(self, op: Op) -> str | None:
        candidates = self.tensors(op.needs)
        if not candidates:
            return None
        weights = [(3 if self.scope[n].requires_grad else 1) * (1 + i)
                   for i, n in enumerate(candidates)]
        return self.rng.choices(candidates, weights=weights)[0]

    def fill(self, op: Op, a: str) -> str:
        """The op's text with `{a}` and one fresh draw for every other field (not `{out}`)."""
        self.pending = {}
        value = self.scope[a]

        def draw(match: re.Match[str]) -> str:
            field_name = match.group(1)
            if field_name == "a":
                return a
            if field_name == "out":
                return match.group(0)  # named after the operands the draws may create
            return ARGS[field_name](self, value)

        return re.sub(r"\{(\w+)\}", draw, op.template)

    def step(self) -> None:
        rng = self.rng
        create_chance = 0.12 if self.profile == "dense" else 0.2
        if not self.tensors() or rng.random() < create_chance or not self.ops:
            self.create()
            return
        for _ in range(10):
            op = rng.choices(self.ops, weights=[o.weight for o in self.ops])[0]
            a = self.pick_input(op)
            if a is None:
                continue
            try:
                body = self.fill(op, a)
            except RuntimeError:  # reading `a` raises (see `_safely`): pick again
                continue
            out = self.fresh_name() if op.assign else ""
            if op.assign and "{out}" not in op.template:
                body = f"{out} = {body}"
            body = body.replace("{out}", out)
            targets = tuple(n for n in (out, a if op.inplace else "") if n)
            statement = Statement(body, op.name, targets, op.group in ("grad", "hooks"))
            if self.emit(statement):
                return


def generate(seed: str, profile: str = "full", features: frozenset[str] | None = None,
             ) -> Program:
    """A program of 5–20 statements (12–20 for the dense profile) drawn from `seed`."""
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, not {profile!r}")
    features = frozenset(GROUPS) if features is None else features
    if profile == "dense":
        features -= {"zerodim", "empty", "nan", "int"}
    generator = Generator(seed, profile, features)
    low, high = (12, 20) if profile == "dense" else (5, 20)
    length = generator.rng.randint(low, high)
    attempts = 0
    while len(generator.program.statements) < length and attempts < 4 * high:
        attempts += 1
        generator.step()
    del generator.program.statements[length:]
    return generator.program


# --- argument draws: the `{field}`s of the op table ----------------------------------------

def _scalar(g: Generator, a: torch.Tensor) -> str:
    choices = ["2", "-1", "0.5", "3.0", "0", "-2.5", "1e-3", "True"]
    if "nan" in g.features and g.profile == "full":
        choices += ["nan", "inf"]
    return g.rng.choice(choices)


def _broadcast_shape(g: Generator, shape: tuple[int, ...]) -> tuple[int, ...]:
    rng = g.rng
    kind = rng.randrange(5)
    if kind == 0 or not shape:
        result = shape
    elif kind == 1:
        result = shape[rng.randint(1, len(shape)):]
    elif kind == 2:
        result = tuple(1 if rng.random() < 0.5 else s for s in shape)
    elif kind == 3:
        result = (rng.choice([1, 2]), *shape)
    else:
        result = ()
    if g.profile == "dense" and not result:
        result = shape
    return result


def _other_tensor(g: Generator, a: torch.Tensor) -> str:
    return g.tensor_of(_broadcast_shape(g, tuple(a.shape)), g.partner_dtype(a))


def _other(g: Generator, a: torch.Tensor) -> str:
    if "scalar" in g.features and g.rng.random() < 0.3:
        return _scalar(g, a)
    return _other_tensor(g, a)


def _same_tensor(g: Generator, a: torch.Tensor) -> str:
    return g.tensor_of(tuple(a.shape), g.partner_dtype(a))


def _dim(g: Generator, a: torch.Tensor) -> str:
    span = max(a.ndim, 1)
    if g.rng.random() < 0.04:
        return str(span + 1)  # out of range: both must raise the same IndexError
    return str(g.rng.randint(-span, span - 1))


def _new_dim(g: Generator, a: torch.Tensor) -> str:
    return str(g.rng.randint(-a.ndim - 1, a.ndim))


def _shape(g: Generator, a: torch.Tensor) -> str:
    rng = g.rng
    numel = a.numel()
    if numel == 0:
        return rng.choice(["-1", "(0, -1)", "0, 3", "(3, 0)"])
    factors = []
    rest = numel
    for p in (2, 3, 5, 7):
        while rest % p == 0:
            factors.append(p)
            rest //= p
    if rest > 1:
        factors.append(rest)
    rng.shuffle(factors)
    dims = [1] * rng.randint(1, 3)
    for f in factors:
        dims[rng.randrange(len(dims))] *= f
    if rng.random() < 0.3:
        dims.insert(rng.randint(0, len(dims)), 1)
    if rng.random() < 0.3:
        dims[rng.randrange(len(dims))] = -1
    if rng.random() < 0.15:
        return "()" if numel == 1 else "-1"
    return ", ".join(map(str, dims)) if rng.random() < 0.5 else repr(tuple(dims))


def _perm(g: Generator, a: torch.Tensor) -> str:
    order = list(range(a.ndim))
    g.rng.shuffle(order)
    if g.rng.random() < 0.3:
        order = [d - a.ndim for d in order]
    return ", ".join(map(str, order)) if order else "()"


def _expand_shape(g: Generator, a: torch.Tensor) -> str:
    rng = g.rng
    sizes = [rng.randint(1, 3) if s == 1 else (-1 if rng.random() < 0.3 else s)
             for s in a.shape]
    if rng.random() < 0.3:
        sizes.insert(0, rng.randint(1, 2))
    return ", ".join(map(str, sizes)) if sizes else "()"


def _index_item(g: Generator, size: int) -> str:
    rng = g.rng
    kind = rng.randrange(4)
    if kind == 0 and size > 0:
        return str(rng.randint(-size, size - 1))
    if kind == 1:
        return ":"
    start = rng.choice(["", "0", "1", "-1", "-2"])
    stop = rng.choice(["", "1", "2", "3", "-1", "10"])
    step = rng.choice(["", "", ":2", ":1"])
    return f"{start}:{stop}{step}"


def _index(g: Generator, a: torch.Tensor) -> str:
    rng = g.rng
    items = [_index_item(g, s) for s in a.shape[:rng.randint(1, max(a.ndim, 1))]]
    if rng.random() < 0.2:
        items.insert(rng.randint(0, len(items)), "None")
    if rng.random() < 0.15:
        items.insert(rng.randint(0, len(items)), "...")
    if not items:
        return rng.choice(["...", "None", "()"])
    return ", ".join(items)


def _index_list(g: Generator, a: torch.Tensor) -> str:
    size = a.shape[0]
    if size == 0 or g.rng.random() < 0.1:
        return "[]"
    picks = [g.rng.randint(-size, size - 1) for _ in range(g.rng.randint(1, 3))]
    return repr(picks)


def _mat(g: Generator, a: torch.Tensor) -> str:
    rng = g.rng
    k = a.shape[-1]
    m = rng.choice([1, 2, 3] + ([0] if "empty" in g.features else []))
    batch = a.shape[0] if a.ndim == 3 else rng.choice([1, 2])
    shape = rng.choice([(k,), (k, m), (k, m), (batch, k, m)])
    return g.tensor_of(shape, g.partner_dtype(a))


def _cat_partner(g: Generator, a: torch.Tensor) -> str:
    rng = g.rng
    if a.ndim == 0:
        g.pending["cat_dim"] = "0"
        return g.tensor_of(rng.choice([(), (2,)]), a.dtype)
    dim = rng.randrange(a.ndim)
    sizes = list(a.shape)
    sizes[dim] = rng.choice([0, 1, 2])
    if "empty" in g.features and rng.random() < 0.1:
        g.pending["cat_dim"] = str(dim)
        return g.tensor_of((0,), a.dtype)
    g.pending["cat_dim"] = str(dim - a.ndim if rng.random() < 0.3 else dim)
    return g.tensor_of(tuple(sizes), g.partner_dtype(a))


def _leaf(g: Generator, a: torch.Tensor) -> str:
    """A named leaf in `a`'s graph (else any named leaf that requires grad, else `a`)."""
    names = {id(v): n for n, v in g.scope.items() if isinstance(v, torch.Tensor)}
    found, stack, seen = [], [a.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        variable = getattr(node, "variable", None)
        if variable is not None and id(variable) in names:
            found.append(names[id(variable)])
        stack.extend(n for n, _ in node.next_functions)
    found = found or g.tensors(lambda t: t.is_leaf and t.requires_grad)
    return g.rng.choice(sorted(found)) if found else "v1"


ARGS: dict[str, Callable[[Generator, torch.Tensor], str]] = {
    "other": _other,
    "other_tensor": _other_tensor,
    "same_tensor": _same_tensor,
    "scalar": _scalar,
    "exponent": lambda g, a: g.rng.choice(["2", "3", "0.5", "-1", "0", "2.0", "-0.5", "1.5"]),
    "small": lambda g, a: g.rng.choice(["0.0", "0.5", "-1.0", "1", "2.0"]),
    "clamp_args": lambda g, a: g.rng.choice(
        ["min=0", "max=1.0", "-0.5, 0.5", "min=0.0, max=2", "0.08", "-0.87, 0.08"]),
    "dtype": lambda g, a: g.rng.choice(
        ["torch.float64", "torch.float32", "torch.int64", "torch.bool"]),
    "dim": _dim,
    "new_dim": _new_dim,
    "cat_dim": lambda g, a: g.pending.get("cat_dim", "0"),
    "bool": lambda g, a: g.rng.choice(["True", "False"]),
    "int": lambda g, a: g.rng.choice(["0", "-1", "1"]),
    "shape": _shape,
    "perm": _perm,
    "expand_shape": _expand_shape,
    "index": _index,
    "index_list": _index_list,
    "mat": _mat,
    "cat_partner": _cat_partner,
    "leaf": _leaf,
}

assert {f for op in OPS for f in re.findall(r"\{(\w+)\}", op.template)} <= {*ARGS, "a", "out"}
assert set(DATA_FEATURES) <= set(GROUPS)


def written_program(code: str, label: str) -> list[Statement]:
    """A program written by hand as statements: each line one, an indented line continuing
    the one before (the body of a `with`). Every statement is compared with grads."""
    lines: list[str] = []
    for line in code.splitlines():
        if line.startswith(" ") and lines:
            lines[-1] += "\n" + line
        else:
            lines.append(line)
    return [Statement(text, label, touches_grads=True) for text in lines]
