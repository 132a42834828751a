"""The course's notebooks: both languages alike, committed executed, built from their sources."""

from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def code_sources(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in cells(path) if c["cell_type"] == "code"]


def test_english_and_chinese_have_the_same_notebooks() -> None:
    english = sorted(p.name for p in (NOTEBOOKS / "en").glob("*.ipynb"))
    chinese = sorted(p.name for p in (NOTEBOOKS / "zh").glob("*.ipynb"))
    assert english, "no notebooks in notebooks/en"
    assert english == chinese


def without_comments(source: str) -> list[tuple[int, str]]:
    """The tokens of a cell's code, its comments and the language setting left out."""
    source = re.sub(r'^widgets\.set_language\("\w+"\)$', "", source, flags=re.MULTILINE)
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [(t.type, t.string) for t in tokens
            if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE)]


@pytest.mark.parametrize("name", sorted(p.name for p in (NOTEBOOKS / "en").glob("*.ipynb")))
def test_code_cells_are_identical_in_both_languages(name: str) -> None:
    """Only comments (translated) and the widgets' language differ between en and zh."""
    english, chinese = code_sources(NOTEBOOKS / "en" / name), code_sources(NOTEBOOKS / "zh" / name)
    assert [without_comments(c) for c in english] == [without_comments(c) for c in chinese]
    assert 'widgets.set_language("en")' in english[0]
    assert 'widgets.set_language("zh")' in chinese[0]


@pytest.mark.parametrize("name", sorted(p.name for p in (NOTEBOOKS / "zh").glob("*.ipynb")))
def test_chinese_prose_has_no_line_break_between_chinese_characters(name: str) -> None:
    """A line break inside a Chinese paragraph renders as a stray space."""
    cjk = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
    for cell in cells(NOTEBOOKS / "zh" / name):
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"])
            assert not re.search(rf"^(?!\s*#).*[{cjk}]\n[ \t]*[{cjk}]", text, re.MULTILINE), text


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*/*.ipynb")), ids=lambda p: p.name)
def test_learner_prose_does_not_talk_about_the_kits_tests(path: Path) -> None:
    for cell in cells(path):
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"])
            assert not re.search(r"nbval|course's tests|本课程的测试", text), text


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*/*.ipynb")), ids=lambda p: p.name)
def test_committed_executed_without_widget_state(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] is not None for c in code), "unexecuted cells"
    assert "widgets" not in notebook["metadata"], "widget state stored"


@pytest.mark.parametrize("source", sorted((NOTEBOOKS / "src").glob("[0-9]*.py")),
                         ids=lambda p: p.stem)
def test_every_source_is_built_in_both_languages(source: Path) -> None:
    for language in ("en", "zh"):
        built = NOTEBOOKS / language / f"{source.stem}.ipynb"
        assert built.exists(), f"run: python notebooks/build.py {source.stem}"


def _load_build_module():
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("build", NOTEBOOKS / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build", module)
    spec.loader.exec_module(sys.modules["build"])
    return sys.modules["build"]


@pytest.mark.parametrize("source", sorted((NOTEBOOKS / "src").glob("[0-9]*.py")),
                         ids=lambda p: p.stem)
def test_built_notebooks_match_their_source(source: Path) -> None:
    build = _load_build_module()
    for language in ("en", "zh"):
        rendered = build.notebook_for(build.load_cells(source), language)
        expected = [c.source for c in rendered.cells if c.cell_type == "code"]
        assert code_sources(NOTEBOOKS / language / f"{source.stem}.ipynb") == expected, (
            f"rebuild: python notebooks/build.py {source.stem}")


@pytest.mark.parametrize("source", sorted((NOTEBOOKS / "src").glob("[0-9]*.py")),
                         ids=lambda p: p.stem)
def test_an_exercise_shows_its_placeholder_its_check_and_a_folded_solution(source: Path) -> None:
    build = _load_build_module()
    exercises = [c for c in build.load_cells(source) if isinstance(c, build.Exercise)]
    for language in ("en", "zh"):
        notebook = cells(NOTEBOOKS / language / f"{source.stem}.ipynb")
        texts = ["".join(c["source"]) for c in notebook]
        for exercise in exercises:
            learner = build.localized_code(exercise.with_placeholder(), language)
            at = texts.index(learner)
            assert notebook[at + 1]["cell_type"] == "code"
            assert texts[at + 1] == build.localized_code(exercise.check, language)
            assert notebook[at + 2]["cell_type"] == "markdown"
            assert texts[at + 2].startswith("<details><summary>")
            assert build.localized_code(exercise.worked(), language) in texts[at + 2]
            assert "### BEGIN SOLUTION" not in texts[at] + texts[at + 2]
