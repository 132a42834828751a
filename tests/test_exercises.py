"""Every exercise of the course, marked as a learner meets it.

Each notebook's cells run in order in one namespace (code cells as they are, expected errors
allowed). At each exercise, the check cell runs after the learner's version (the placeholder:
not answered, not passing), after typical wrong answers (each must get its diagnosis), and
after the worked solution (passing, and `require` does not raise). The solution runs last, so
the cells after it see what a learner who solved it would have.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
import pytest

import widgets

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOURCES = sorted((NOTEBOOKS / "src").glob("[0-9]*.py"))

# Typical wrong answers, by grade_id: (the code that replaces the solution, words the check's
# diagnosis must contain; any one of a tuple is enough).
WRONG_ANSWERS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "00_derivative_by_hand": [
        ("return -torch.exp(x) * (torch.cos(x) - torch.sin(x))", ("sign",)),
    ],
    "01_derivative_by_hand": [
        ("your_formula = 3 * torch.sin(x.detach()) + 1", ("sign",)),
        ("your_formula = -3 * torch.sin(x.detach())", ("offset", "constant")),
    ],
    "01_predict_grad": [
        ("predicted_grad = torch.tensor([0., 5., 10.])", ("factor", "×", "times")),
    ],
    "02_predict_y_grad": [
        ("predicted_y_grad = -(x.detach() + y.detach().exp())", ("sign",)),
    ],
    "03_bias_gradient": [
        ("by_hand = (-2 * (ideal_output - prediction)).mean(0).detach()",
         ("factor", "×", "times")),
        ("by_hand = (2 * (ideal_output - prediction)).sum(0).detach()", ("sign",)),
    ],
    "03_predict_step": [
        ("predicted_w = torch.tensor([1.2, -2.4])", ("factor", "×", "times")),
    ],
    "04_predict_accumulated": [
        ("predicted_w_grad = x.detach() + w.detach().cos()", ("factor", "×", "times")),
    ],
    "04_fix_the_loop": [
        ("...", ("zero_grad",)),
    ],
    "04_scale_micro_batches": [
        ("scaled_loss = micro_loss", ("factor", "×", "times")),
    ],
    "05_freeze_a_layer": [
        ("for parameter in model[2].parameters():\n    parameter.requires_grad = False",
         ("wrong layer", "requires_grad")),
        ("model[0].weight.detach()", ("requires_grad",)),
    ],
    "05_evaluate_without_graph": [
        ("predictions = model(new_batch)", ("no_grad",)),
    ],
    "06_predict_forward_calls": [
        ("predicted_mul = 20", ("20",)),
    ],
    "07_forward_mode": [
        ("directional = -fwAD.unpack_dual(f(fwAD.make_dual(point, d))).tangent", ("sign",)),
    ],
    "07_jacobian_by_hand": [
        ("jacobian_by_hand = torch.tensor([[b, 1.0], [a, point[1].cos().item()]])",
         ("transpose",)),
    ],
}

# The widgets' diagnoses (issue 14: "yours"/"expected", "not answered yet", offsets, factors,
# transposes, zero_grad, frozen layers) come with the language setting.
needs_diagnosing_checks = pytest.mark.skipif(
    not hasattr(widgets, "set_language"),
    reason="needs the widgets' diagnosing checks (widgets.set_language and friends)")


def _load_build():
    spec = importlib.util.spec_from_file_location("build", NOTEBOOKS / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build", module)
    spec.loader.exec_module(sys.modules["build"])
    return sys.modules["build"]


build = _load_build()


def _python(source: str) -> str:
    """A cell's code without IPython's line magics (`%xmode ...`), which plain Python lacks."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%"))


def run_cell(source: str, namespace: dict[str, Any]) -> Any:
    """Run a cell's code; return the value of its last line when that is an expression."""
    tree = ast.parse(_python(source))
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)


@dataclasses.dataclass
class Marked:
    """What the check said of one version of an exercise."""

    exercise: Any
    version: str
    result: Any


def marked_exercises(source: Path) -> Iterator[Marked]:
    """Run a notebook's cells in order, marking every version of every exercise."""
    matplotlib.use("Agg")
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for cell in build.load_cells(source):
        if isinstance(cell, build.Markdown):
            continue
        if isinstance(cell, build.Code):
            if "raises-exception" in cell.tags:
                with pytest.raises((RuntimeError, TypeError, ValueError)):
                    run_cell(cell.source, namespace)
            else:
                run_cell(cell.source, namespace)
            continue
        versions = [("placeholder", cell.with_placeholder())]
        versions += [(f"wrong: {code}", dataclasses.replace(cell, placeholder=code)
                      .with_placeholder()) for code, _ in WRONG_ANSWERS.get(cell.grade_id, [])]
        versions.append(("solution", cell.worked()))
        for version, code in versions:
            run_cell(code, namespace)
            unmarkable = "check.frozen" in cell.check and not hasattr(widgets.check, "frozen")
            yield Marked(cell, version, None if unmarkable else run_cell(cell.check, namespace))


@pytest.fixture(scope="module", params=SOURCES, ids=lambda p: p.stem)
def marks(request: pytest.FixtureRequest) -> list[Marked]:
    return list(marked_exercises(request.param))


def test_every_notebook_has_two_to_four_exercises(marks: list[Marked]) -> None:
    exercises = {m.exercise.grade_id for m in marks}
    assert 2 <= len(exercises) <= 4, exercises


def test_no_exercise_shows_its_answer(marks: list[Marked]) -> None:
    for mark in marks:
        learner_sees = mark.exercise.with_placeholder() + mark.exercise.check
        assert mark.exercise.solution() not in learner_sees, mark.exercise.grade_id


def test_the_placeholder_does_not_pass(marks: list[Marked]) -> None:
    for mark in (m for m in marks if m.version == "placeholder" and m.result is not None):
        assert not mark.result.ok, (mark.exercise.grade_id, str(mark.result))


@needs_diagnosing_checks
def test_an_unanswered_exercise_says_so(marks: list[Marked]) -> None:
    """A placeholder that leaves a value as `...` reads as "not answered yet"."""
    for mark in (m for m in marks if m.version == "placeholder"):
        if "= ..." in mark.exercise.placeholder or "return ..." in mark.exercise.placeholder:
            assert "not answered" in str(mark.result).lower(), (mark.exercise.grade_id,
                                                                str(mark.result))


def test_every_solution_passes(marks: list[Marked]) -> None:
    for mark in (m for m in marks if m.version == "solution"):
        if mark.result is None:
            continue  # its check (widgets.check.frozen) comes with the widgets' diagnoses
        assert mark.result.ok, (mark.exercise.grade_id, str(mark.result))
        widgets.check.require(mark.result)


@needs_diagnosing_checks
def test_wrong_answers_get_their_diagnosis(marks: list[Marked]) -> None:
    for mark in (m for m in marks if m.version.startswith("wrong: ")):
        code = mark.version.removeprefix("wrong: ")
        words = dict(WRONG_ANSWERS[mark.exercise.grade_id])[code]
        text = str(mark.result).lower()
        assert not mark.result.ok, (mark.exercise.grade_id, code)
        assert any(word.lower() in text for word in words), (mark.exercise.grade_id, code, text)
        with pytest.raises(AssertionError):
            widgets.check.require(mark.result)


@needs_diagnosing_checks
def test_a_wrong_value_is_said_as_yours_and_expected(marks: list[Marked]) -> None:
    for mark in (m for m in marks if m.version.startswith("wrong: ")):
        text = str(mark.result).lower()
        if "wrong at" in text or "position" in text:
            assert "yours" in text and "expected" in text, (mark.exercise.grade_id, text)


@needs_diagnosing_checks
def test_one_number_is_said_as_one_number(marks: list[Marked]) -> None:
    """A wrong count reads "yours: 20, expected: …", not "wrong at 1 of 1 position(s)"."""
    for mark in (m for m in marks if m.version == "wrong: predicted_mul = 20"):
        text = str(mark.result).lower()
        assert "position" not in text and "yours" in text, text
