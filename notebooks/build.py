"""Build the course: one source per notebook, written out in English and Chinese, executed.

    python notebooks/build.py                   # every notebook
    python notebooks/build.py 01_simple_example # just one
    python notebooks/build.py --nbgrader OUT    # the nbgrader source tree for teachers

Each `notebooks/src/NN_name.py` defines `CELLS`, a list of `Markdown(en=..., zh=...)`
and `Code(...)`. The code cells are shared, so `notebooks/en/NN_name.ipynb` and
`notebooks/zh/NN_name.ipynb` cannot drift apart; only the prose differs. Each
notebook is then executed in its own folder, outputs stored, widget state not.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

HERE = Path(__file__).resolve().parent
LANGUAGES = ("en", "zh")
# Sources say `from build import Code, Markdown`; run as a script, this module is __main__.
sys.modules.setdefault("build", sys.modules[__name__])


@dataclass(frozen=True)
class Markdown:
    """Prose, in each language the course is written in."""

    en: str
    zh: str


@dataclass(frozen=True)
class Code:
    """A code cell, the same in every language; `tags` are nbval's cell tags."""

    source: str
    tags: tuple[str, ...] = field(default=())


SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"


@dataclass(frozen=True)
class Exercise:
    """An exercise's code: what the learner completes, and the check that marks it.

    `code` holds the worked answer between nbgrader's `### BEGIN SOLUTION` and
    `### END SOLUTION` lines. The learner's notebook shows `placeholder` there
    instead (a line such as `answer = ...`) with the solution one click away; a
    teacher's nbgrader notebook keeps the region for nbgrader to strip. `check`
    is the cell that marks the answer (its last expression a `widgets.check`
    result); nbgrader grades it as `grade_id`, worth `points`.
    """

    grade_id: str
    code: str
    placeholder: str
    check: str
    points: int = 1

    def solution(self) -> str:
        """The code between the solution markers (the worked answer alone)."""
        inside = self.code.split(SOLUTION_BEGIN, 1)[1].split(SOLUTION_END, 1)[0]
        return textwrap.dedent(inside).strip()

    def with_placeholder(self) -> str:
        """The code as the learner gets it: the solution region replaced by the placeholder."""
        before, rest = self.code.split(SOLUTION_BEGIN, 1)
        after = rest.split(SOLUTION_END, 1)[1]
        indent = before[len(before.rstrip(" ")):]
        return (before.rstrip(" ") + textwrap.indent(self.placeholder.strip(), indent)
                + after).strip()


def load_cells(source: Path) -> list[Markdown | Code | Exercise]:
    """The CELLS list of one source file."""
    spec = importlib.util.spec_from_file_location(source.stem, source)
    module = importlib.util.module_from_spec(spec)
    sys.modules[source.stem] = module
    spec.loader.exec_module(module)
    return module.CELLS


def notebook_for(cells: list[Markdown | Code], language: str) -> nbformat.NotebookNode:
    """The notebook of `cells` with the prose of `language`."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                       "name": "python3"}
    notebook.metadata["language_info"] = {"name": "python"}
    for cell in cells:
        if isinstance(cell, Markdown):
            notebook.cells.append(nbformat.v4.new_markdown_cell(getattr(cell, language).strip()))
        else:
            code = nbformat.v4.new_code_cell(cell.source.strip())
            if cell.tags:
                code.metadata["tags"] = list(cell.tags)
            notebook.cells.append(code)
    for i, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{i:02d}"  # stable ids keep diffs of rebuilt notebooks small
    return notebook


def execute(notebook: nbformat.NotebookNode, folder: Path) -> None:
    """Run every cell in `folder`, keeping outputs but not the widgets' state."""
    runner = ExecutePreprocessor(timeout=300, kernel_name="python3",
                                 store_widget_state=False, allow_errors=False)
    runner.preprocess(notebook, {"metadata": {"path": str(folder)}})


def build(name: str) -> None:
    cells = load_cells(HERE / "src" / f"{name}.py")
    for language in LANGUAGES:
        folder = HERE / language
        folder.mkdir(exist_ok=True)
        notebook = notebook_for(cells, language)
        execute(notebook, folder)
        nbformat.write(notebook, folder / f"{name}.ipynb")
        print(f"built {language}/{name}.ipynb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebooks to build (default: all)")
    parser.add_argument("--nbgrader", metavar="OUT", type=Path,
                        help="write the nbgrader course for teachers into OUT instead "
                             "(not executed; see nbgrader_course.py)")
    arguments = parser.parse_args()
    names = arguments.names or sorted(p.stem for p in (HERE / "src").glob("[0-9]*.py"))
    if arguments.nbgrader:
        from nbgrader_course import write_course  # imports this module as `build`

        for path in write_course([HERE / "src" / f"{name}.py" for name in names],
                                 arguments.nbgrader):
            print(f"wrote {path}")
        return
    for name in names:
        build(name)


if __name__ == "__main__":
    main()
