"""nbval reads its sanitize file relative to the current directory: point it here."""

from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    option = config.option
    if getattr(option, "nbval", False) and not option.nbval_sanitize_with:
        option.nbval_sanitize_with = str(Path(__file__).with_name("nbval_sanitize.cfg"))


# The build script and the sources are not tests.
collect_ignore = ["build.py"]
collect_ignore_glob = ["src/*.py"]
