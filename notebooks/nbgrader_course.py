"""The course as an nbgrader source tree, for teachers who hand it out and grade it.

    python notebooks/build.py --nbgrader OUT      # every notebook, both languages

writes one nbgrader course directory per language, each with its own gradebook:

    OUT/en/nbgrader_config.py
    OUT/en/source/01_simple_example/01_simple_example.ipynb
    ...
    OUT/zh/source/01_simple_example/01_simple_example.ipynb

Every notebook is an assignment of its own name, so a class can get one a week. An
`Exercise` becomes two graded cells: its code a solution cell (the learner's placeholder
line, then the worked answer between nbgrader's markers, which `generate_assignment`
strips) and its check an autograded test cell worth the exercise's points, whose last
expression is wrapped in `widgets.check.require(...)` so a wrong answer fails the cell
with the check's diagnosis as the error. Prose and the course's own code are read-only.
The notebooks are written unexecuted: nbgrader runs them when it grades.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

# build's names are looked up when used, not copied at import: the sources' cells are
# instances of the classes the module holds then (tests load it again by path).
import build
import nbformat

# The version of nbgrader's cell metadata written here (nbgrader 0.9 reads and writes 3).
SCHEMA_VERSION = 3

# generate_assignment replaces the solution region with this stub; it is empty because
# the exercise's own placeholder line stands right above the region.
CONFIG = '''\
"""nbgrader's settings for the minigrad-kit course (written by notebooks/build.py --nbgrader)."""

c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "minigrad-kit-{language}"
# Each solution cell shows the kit's placeholder (e.g. `answer = ...`) above the solution
# region, so the stripped region needs no stub of its own.
c.ClearSolutions.code_stub = {{"python": ""}}
# The course's longest cell (03's training loop) takes a few seconds; leave ample room.
c.Execute.timeout = 120
'''


def graded_check(check: str) -> str:
    """The check cell's code with its last expression wrapped in `widgets.check.require`.

    A check only displays ❌ when wrong; nbgrader needs the cell to fail, and the
    AssertionError that `require` raises carries the check's diagnosis.
    """
    source = textwrap.dedent(check).strip()
    last = ast.parse(source).body[-1]
    if not isinstance(last, ast.Expr):
        raise ValueError(f"a check must end in an expression (a widgets.check result):\n{source}")
    lines = source.splitlines()

    def offset(line: int, byte_column: int) -> int:
        # ast counts columns in UTF-8 bytes; the check may hold non-ASCII text.
        before = lines[line - 1].encode()[:byte_column].decode()
        return sum(len(text) + 1 for text in lines[:line - 1]) + len(before)

    start = offset(last.lineno, last.col_offset)
    end = offset(last.end_lineno, last.end_col_offset)
    return f"{source[:start]}widgets.check.require({source[start:end]}){source[end:]}"


def exercise_source(exercise: build.Exercise) -> str:
    """The solution cell's code: the placeholder beside the marked solution region.

    nbgrader strips the region, leaving what the learner's notebook shows. In the teacher's
    version the placeholder never wins: one that assigns comes first and the solution
    overwrites it; a `return` comes after the solution's own `return`, never reached.
    """
    before, region, after, indent = exercise.split()
    placeholder = exercise.indented_placeholder()
    solution = f"{indent}{build.SOLUTION_BEGIN}{region}{build.SOLUTION_END}"
    if exercise.placeholder.lstrip().startswith("return"):
        return textwrap.dedent(f"{before}{solution}\n{placeholder}{after}").strip()
    return textwrap.dedent(f"{before}{placeholder}\n{solution}{after}").strip()


def _nbgrader_metadata(grade_id: str, *, solution: bool = False, grade: bool = False,
                       points: int = 0) -> dict:
    metadata = {"grade": grade, "solution": solution, "locked": not solution,
                "grade_id": grade_id, "schema_version": SCHEMA_VERSION}
    if grade:
        metadata["points"] = points
    return metadata


def nbgrader_notebook(cells: list[build.Markdown | build.Code | build.Exercise],
                      language: str) -> nbformat.NotebookNode:
    """The teacher's notebook of `cells`: read-only course, solution and autograded cells.

    Cells are rendered by the learner build's `notebook_for` one at a time, so prose and
    code read exactly as the learner's; only the metadata and the exercises differ.
    """
    notebook = build.notebook_for([], language)
    preamble = len(notebook.cells)  # any cells the learner build puts before every notebook

    language_set = False

    def rendered(cell: build.Markdown | build.Code) -> nbformat.NotebookNode:
        # The first code cell sets the widgets' language, as in the learner's notebook.
        nonlocal language_set
        sets_language = isinstance(cell, build.Code) and not language_set
        language_set = language_set or sets_language
        return build.notebook_for([cell], language, sets_language).cells[preamble]

    for cell in cells:
        if isinstance(cell, build.Exercise):
            answer = rendered(build.Code(exercise_source(cell)))
            answer.metadata["nbgrader"] = _nbgrader_metadata(f"{cell.grade_id}_answer",
                                                             solution=True)
            test = rendered(build.Code(graded_check(cell.check)))
            test.metadata["nbgrader"] = _nbgrader_metadata(cell.grade_id, grade=True,
                                                           points=cell.points)
            notebook.cells += [answer, test]
        else:
            notebook.cells.append(rendered(cell))
    for i, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{i:02d}"
        if "nbgrader" not in cell.metadata:
            cell.metadata["nbgrader"] = _nbgrader_metadata(f"read_only_{i:02d}")
    return notebook


def write_course(sources: list[Path], out: Path) -> list[Path]:
    """Write the nbgrader course directories for `sources` under `out`; the notebooks written."""
    written = []
    for language in build.LANGUAGES:
        course = out / language
        course.mkdir(parents=True, exist_ok=True)
        (course / "nbgrader_config.py").write_text(CONFIG.format(language=language))
    for source in sources:
        cells = build.load_cells(source)
        for language in build.LANGUAGES:
            assignment = out / language / "source" / source.stem
            assignment.mkdir(parents=True, exist_ok=True)
            path = assignment / f"{source.stem}.ipynb"
            nbformat.write(nbgrader_notebook(cells, language), path)
            written.append(path)
    return written
