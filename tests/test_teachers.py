"""The teachers' nbgrader course: generate the student version, autograde it, export grades.

For every notebook in both languages (and a two-exercise fixture, so the pipeline is proven
whatever the course holds), in a temporary nbgrader course directory per language:
`nbgrader generate_assignment`, then `nbgrader autograde` on two submissions, the untouched
student version (every graded cell must fail with the kit's diagnosis) and the teacher's
solution version (full points), then `nbgrader export` for the scores.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader", reason="nbgrader is in the `teacher` extra: "
                                       "pip install -e '.[test,teacher]'")

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "nbgrader_demo.py"
SOURCES = [*sorted((NOTEBOOKS / "src").glob("[0-9]*.py")), FIXTURE]
LANGUAGES = ("en", "zh")
UNTOUCHED, SOLVER = "untouched", "solver"

sys.path.insert(0, str(NOTEBOOKS))
import build  # noqa: E402  (the course's build script, found through the path above)
import nbgrader_course  # noqa: E402

EXERCISES = {source.stem: [cell for cell in build.load_cells(source)
                           if isinstance(cell, build.Exercise)] for source in SOURCES}


def nbgrader(course: Path, *arguments: str) -> None:
    """Run an nbgrader command in `course` as a teacher would, failing on its errors."""
    # nbgrader runs `alembic` from PATH, as in an activated virtual environment.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    done = subprocess.run([sys.executable, "-m", "nbgrader", *arguments], cwd=course,
                          env={**os.environ, "PATH": path}, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"nbgrader {' '.join(arguments)}:\n{done.stdout}{done.stderr}"


def grade(course: Path) -> None:
    """Release every assignment, submit it untouched and solved, autograde, export."""
    nbgrader(course, "generate_assignment", "*")
    for assignment in (course / "source").iterdir():
        shutil.copytree(course / "release" / assignment.name,
                        course / "submitted" / UNTOUCHED / assignment.name)
        shutil.copytree(assignment, course / "submitted" / SOLVER / assignment.name)
    nbgrader(course, "autograde", "*")
    nbgrader(course, "export")


@pytest.fixture(scope="module")
def courses(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The graded course directories, `<root>/en` and `<root>/zh`, graded side by side."""
    root = tmp_path_factory.mktemp("nbgrader")
    nbgrader_course.write_course(SOURCES, root)
    with ThreadPoolExecutor(len(LANGUAGES)) as pool:
        list(pool.map(grade, [root / language for language in LANGUAGES]))
    return root


def scores(course: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """(assignment, student) -> (score, max_score), from `nbgrader export`'s grades.csv."""
    with open(course / "grades.csv", newline="") as grades:
        return {(row["assignment"], row["student_id"]): (float(row["score"]),
                                                        float(row["max_score"]))
                for row in csv.DictReader(grades)}


def graded_cells(notebook: Path) -> dict[str, nbformat.NotebookNode]:
    cells = nbformat.read(notebook, as_version=4).cells
    return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in cells
            if cell.metadata.get("nbgrader", {}).get("grade")}


def test_the_fixture_has_exercises_to_grade() -> None:
    assert len(EXERCISES[FIXTURE.stem]) == 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_solution_version_gets_full_points(courses: Path, language: str) -> None:
    graded = scores(courses / language)
    for name, exercises in EXERCISES.items():
        points = sum(exercise.points for exercise in exercises)
        assert graded[name, SOLVER] == (points, points), name


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_untouched_student_version_fails_every_check_with_its_diagnosis(
        courses: Path, language: str) -> None:
    course = courses / language
    graded = scores(course)
    for name, exercises in EXERCISES.items():
        assert graded[name, UNTOUCHED] == (0, sum(exercise.points for exercise in exercises))
        cells = graded_cells(course / "autograded" / UNTOUCHED / name / f"{name}.ipynb")
        assert sorted(cells) == sorted(exercise.grade_id for exercise in exercises), name
        for grade_id, cell in cells.items():
            errors = [output for output in cell.outputs if output.output_type == "error"]
            # The check's own verdict, not a crash on the placeholder: ❌ and the diagnosis.
            assert [error.ename for error in errors] == ["AssertionError"], (name, grade_id)
            verdict = errors[0].evalue
            assert verdict.startswith("❌ ") and len(verdict) > len("❌ ") + 10, verdict


def non_blank_lines(code: str) -> list[str]:
    return [line for line in code.splitlines() if line.strip()]


@pytest.mark.parametrize("language", LANGUAGES)
def test_students_get_the_placeholder_and_no_solution(courses: Path, language: str) -> None:
    for name, exercises in EXERCISES.items():
        release = courses / language / "release" / name / f"{name}.ipynb"
        cells = {cell.metadata["nbgrader"]["grade_id"]: cell
                 for cell in nbformat.read(release, as_version=4).cells}
        for exercise in exercises:
            shown = cells[f"{exercise.grade_id}_answer"].source
            learners_cell = build.localized_code(exercise.with_placeholder(), language)
            assert non_blank_lines(shown) == non_blank_lines(learners_cell)
            assert exercise.solution() not in shown
        assert build.SOLUTION_BEGIN not in release.read_text()


def test_the_check_fails_the_cell_through_its_last_expression() -> None:
    check = "expected = 2 * x  # 预期\nwidgets.check.close(y, expected)  # 你的答案"
    assert nbgrader_course.graded_check(check) == (
        "expected = 2 * x  # 预期\n"
        "widgets.check.require(widgets.check.close(y, expected))  # 你的答案")
    with pytest.raises(ValueError, match="must end in an expression"):
        nbgrader_course.graded_check("result = widgets.check.close(y, 2 * x)")


def test_build_writes_the_nbgrader_tree_for_both_languages(tmp_path: Path) -> None:
    name = SOURCES[0].stem
    subprocess.run([sys.executable, str(NOTEBOOKS / "build.py"), "--nbgrader", str(tmp_path),
                    name], check=True, capture_output=True, timeout=120)
    for language in LANGUAGES:
        assert (tmp_path / language / "nbgrader_config.py").exists()
        notebook = nbformat.read(tmp_path / language / "source" / name / f"{name}.ipynb",
                                 as_version=4)
        assert all(cell.metadata["nbgrader"]["locked"] for cell in notebook.cells
                   if not cell.metadata["nbgrader"]["solution"])
