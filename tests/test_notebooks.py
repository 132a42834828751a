"""The course's notebooks: both languages alike, committed executed, built from their sources."""

from __future__ import annotations

import json
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


@pytest.mark.parametrize("name", sorted(p.name for p in (NOTEBOOKS / "en").glob("*.ipynb")))
def test_code_cells_are_identical_in_both_languages(name: str) -> None:
    assert code_sources(NOTEBOOKS / "en" / name) == code_sources(NOTEBOOKS / "zh" / name)


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
    expected = [c.source.strip() for c in build.load_cells(source) if isinstance(c, build.Code)]
    assert code_sources(NOTEBOOKS / "en" / f"{source.stem}.ipynb") == expected, (
        f"rebuild: python notebooks/build.py {source.stem}")
