"""Build the course: one source per notebook, written out in English and Chinese, executed.

    python notebooks/build.py                   # every notebook
    python notebooks/build.py 01_simple_example # just one
    python notebooks/build.py --nbgrader OUT    # the nbgrader source tree for teachers

Each `notebooks/src/NN_name.py` defines `CELLS`, a list of `Markdown(en=..., zh=...)`,
`Code(...)` and `Exercise(...)`. The code is shared, so `notebooks/en/NN_name.ipynb` and
`notebooks/zh/NN_name.ipynb` cannot drift apart: only the prose, the comments written
`# en: ... | zh: ...` and the widgets' language (set in the first code cell) differ. Each
notebook is then executed in its own folder, outputs stored, widget state not.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
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

    def split(self) -> tuple[str, str, str, str]:
        """The code around the solution region: (before, region, after, indent), where
        `before` ends at the region's line and `indent` is that line's indentation."""
        head, rest = self.code.split(SOLUTION_BEGIN, 1)
        region, after = rest.split(SOLUTION_END, 1)
        before = head.rstrip(" ")
        return before, region, after, head[len(before):]

    def solution(self) -> str:
        """The code between the solution markers (the worked answer alone)."""
        return textwrap.dedent(self.split()[1]).strip()

    def indented_placeholder(self) -> str:
        """The placeholder at the solution region's indentation."""
        return textwrap.indent(self.placeholder.strip(), self.split()[3])

    def with_placeholder(self) -> str:
        """The code as the learner gets it: the solution region replaced by the placeholder."""
        before, _, after, _ = self.split()
        return (before + self.indented_placeholder() + after).strip()

    def worked(self) -> str:
        """The whole exercise cell with its solution in place and the markers left out."""
        return "\n".join(line for line in self.code.strip().splitlines()
                         if line.strip() not in (SOLUTION_BEGIN, SOLUTION_END))


def load_cells(source: Path) -> list[Markdown | Code | Exercise]:
    """The CELLS list of one source file."""
    spec = importlib.util.spec_from_file_location(source.stem, source)
    module = importlib.util.module_from_spec(spec)
    sys.modules[source.stem] = module
    spec.loader.exec_module(module)
    return module.CELLS


# A comment written `# en: English text | zh: 中文` is shown in the notebook's language.
BILINGUAL_COMMENT = re.compile(r"#\s*en:\s*(?P<en>.*?)\s*\|\s*zh:\s*(?P<zh>.*?)\s*$",
                               re.MULTILINE)
# A line break between two CJK characters renders as a space: Chinese prose has none.
CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
CJK_LINE_BREAK = re.compile(rf"(?m)^(?!\s*#)(.*[{CJK}])\n[ \t]*(?=[{CJK}])")
SOLUTION_LABEL = {"en": "Show a solution", "zh": "查看参考答案"}


def localized_code(source: str, language: str) -> str:
    """`source` with its bilingual comments in `language`; the code itself is shared."""
    return BILINGUAL_COMMENT.sub(lambda match: "# " + match[language], source.strip())


def join_cjk_lines(prose: str) -> str:
    """Chinese prose with the single line breaks between CJK characters removed."""
    while True:
        joined = CJK_LINE_BREAK.sub(r"\1", prose)
        if joined == prose:
            return prose
        prose = joined


def prose_for(cell: Markdown, language: str) -> str:
    """A Markdown cell's text in `language`."""
    text = getattr(cell, language).strip()
    return join_cjk_lines(text) if language == "zh" else text


def solution_markdown(exercise: Exercise, language: str) -> str:
    """The worked answer, folded: one click opens it, in JupyterLab and on GitHub alike."""
    code = localized_code(exercise.worked(), language)
    return (f"<details><summary>{SOLUTION_LABEL[language]}</summary>\n\n"
            f"```python\n{code}\n```\n\n</details>")


def code_cell(source: str, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """A code cell with nbval's/JupyterLab's `tags`."""
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def notebook_for(cells: list[Markdown | Code | Exercise], language: str,
                 sets_language: bool = True) -> nbformat.NotebookNode:
    """The learner's notebook of `cells` in `language`: its prose, comments and widget text.

    The first code cell also sets the widgets' language (unless `sets_language` is False).
    An exercise becomes its cell with the placeholder, the check cell, and the solution
    folded away in a Markdown cell.
    """
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                       "name": "python3"}
    notebook.metadata["language_info"] = {"name": "python"}
    language_set = not sets_language
    for cell in cells:
        if isinstance(cell, Markdown):
            notebook.cells.append(nbformat.v4.new_markdown_cell(prose_for(cell, language)))
        elif isinstance(cell, Exercise):
            notebook.cells.append(code_cell(localized_code(cell.with_placeholder(), language)))
            notebook.cells.append(code_cell(localized_code(cell.check, language)))
            notebook.cells.append(nbformat.v4.new_markdown_cell(solution_markdown(cell, language)))
        else:
            source = localized_code(cell.source, language)
            if not language_set:
                source += f'\n\nwidgets.set_language("{language}")'
                language_set = True
            notebook.cells.append(code_cell(source, cell.tags))
    for i, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{i:02d}"  # stable ids keep diffs of rebuilt notebooks small
    return notebook


def execute(notebook: nbformat.NotebookNode, folder: Path) -> None:
    """Run every cell in `folder`, keeping outputs but not the widgets' state."""
    runner = ExecutePreprocessor(timeout=300, kernel_name="python3", record_timing=False,
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
