# The kit's two commands: `make lab` (set up and open the course), `make test` (set up and test).
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: test lint setup-test

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

setup-test: $(PY)
	$(PIP) install --quiet -e ".[test]"

lint: setup-test
	$(VENV)/bin/ruff check minigrad widgets tests benchmarks

test: setup-test lint
	$(PY) -m pytest
