"""minigrad's imports flow one way: each module imports only from its own layer or below.

The layers are written down once, in `minigrad/LAYERS.md`; this test reads every import of
every module (at the top and inside functions) with `ast` and fails on one that runs back up,
naming it, or on a circle of imports within a layer. The ties listed here (Tensor's methods
and backward, the Jacobian's `stack`, formulas calling pointwise ops) are the only exceptions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "minigrad"

# Bottom to top; a module belongs to the first layer one of whose prefixes it starts with.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("backend", ("minigrad.backend", "minigrad.cuda", "minigrad.accelerator")),
    ("grad mode", ("minigrad.autograd.grad_mode",)),
    ("tensor", ("minigrad._arguments", "minigrad._tensor", "minigrad._printing",
                "minigrad._creation", "minigrad._argument_errors")),
    ("graph and engine", ("minigrad.autograd.graph", "minigrad.autograd.function",
                          "minigrad.autograd.engine")),
    ("engine's users", ("minigrad.autograd.forward_ad", "minigrad.autograd.profiler",
                        "minigrad.autograd.gradcheck", "minigrad.autograd.functional",
                        "minigrad.autograd.variable", "minigrad.autograd")),
    ("ops", ("minigrad.ops",)),
    ("nn and optim", ("minigrad.nn", "minigrad.optim")),
    ("the package", ("minigrad",)),
]

# Imports allowed to run up, each made late (inside a function, or for Tensor's op methods at
# the end of its module, once the class exists): Tensor's methods call the ops (`x.sin()` is
# `ops.sin(x)`), `Tensor.backward` runs the engine, and the row-by-row Jacobian stacks its
# rows with the public `stack`, as PyTorch's calls `torch.stack`.
TIES_UP = {
    ("minigrad._tensor", "minigrad.ops"),
    ("minigrad._tensor", "minigrad.autograd.engine"),
    ("minigrad.autograd.functional", "minigrad"),
}
# The one tie within a layer, made late: a backward formula run on tensors calls the op that
# PyTorch's formula calls (`threshold_backward`, `where`, a Scalar `mul`), and those ops are
# pointwise ops whose own backwards run formulas.
TIES_WITHIN = {("minigrad.ops._formula", "minigrad.ops.pointwise")}


def layer_of(module: str) -> int:
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and to LAYERS.md")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[str, int]]:
    """(module, line) for each import of a minigrad module in `path`; `from
    minigrad.x import y` counts as importing `minigrad.x.y` when that is a module. Imports
    under `if TYPE_CHECKING:` are left out: they never run."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if _only_for_type_checkers(node):
            node.body = []  # `if TYPE_CHECKING:` imports never run
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names
                     if _is_module(f"{node.module}.{alias.name}")]
            if len(names) < len(node.names):  # names defined in the module itself
                names.append(node.module)
        else:
            continue
        for name in names:
            if name == "minigrad" or name.startswith("minigrad."):
                found.append((name, node.lineno))
    return found


def _only_for_type_checkers(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and (
        node.test.id == "TYPE_CHECKING")


def _is_module(name: str) -> bool:
    relative = Path(*name.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").exists() or (PACKAGE / relative).is_dir()


def all_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", all_modules(), ids=lambda p: module_name(p))
def test_imports_run_down_the_layers(path: Path) -> None:
    importer = module_name(path)
    up = []
    for imported, line in imported_modules(path):
        if layer_of(imported) <= layer_of(importer):
            continue
        if (importer, imported) in TIES_UP:
            continue
        up.append(f"line {line}: {imported} ({LAYERS[layer_of(imported)][0]}) from "
                  f"{importer} ({LAYERS[layer_of(importer)][0]})")
    assert not up, "imports that run up the layers:\n" + "\n".join(up)


def test_no_import_circle_but_through_the_ties_up() -> None:
    """Within a layer imports may run either way, so the layers alone allow a circle (a
    module and one beside it importing each other); only a tie up may close one."""
    imports = {module_name(path): {name for name, _ in imported_modules(path)}
               for path in all_modules()}
    for importer, imported in TIES_UP | TIES_WITHIN:
        imports[importer].discard(imported)
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return [*path[path.index(module):], module]
        if module in done:
            return None
        for imported in sorted(imports.get(module, ())):
            circle = visit(imported, [*path, module])
            if circle:
                return circle
        done.add(module)
        return None

    for module in sorted(imports):
        circle = visit(module, [])
        assert circle is None, "an import circle: " + " -> ".join(circle)


def test_layers_md_names_every_layer() -> None:
    written = (PACKAGE / "LAYERS.md").read_text(encoding="utf-8")
    for name, prefixes in LAYERS:
        assert name in written, f"LAYERS.md does not describe the layer {name!r}"
        for prefix in prefixes:
            path = prefix.removeprefix("minigrad.").replace(".", "/")
            assert f"`{path}" in written or prefix == "minigrad", (
                f"LAYERS.md does not place {prefix}")


def test_the_backend_imports_only_numpy() -> None:
    """The bottom layer stands on NumPy alone (CuPy is imported when a GPU is asked for)."""
    for path in (PACKAGE / "backend").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                root = name.split(".")[0]
                assert root in {"numpy", "cupy", "minigrad", "__future__"} or _is_stdlib(root), (
                    f"{path.name} imports {name}")
                if root == "minigrad":
                    assert name.startswith("minigrad.backend"), f"{path.name} imports {name}"


def _is_stdlib(name: str) -> bool:
    import sys

    return name in sys.stdlib_module_names
