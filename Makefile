# The kit's two commands:
#   make lab    set up .venv and open the course in JupyterLab
#   make test   set up .venv with the test tools and run everything: lint, unit tests,
#               the notebooks under nbval, the browser test
#   make teacher  write the nbgrader course for teachers into $(TEACHER_DIR) (teachers/README.md)
VENV ?= .venv
PYTHON ?= python3
LAB_PORT ?= 8888
TEACHER_DIR ?= teachers/course
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# JupyterLab refuses to run as root unless told it may (containers, CI machines).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test lint teacher setup-lab setup-test setup-teacher binder-check

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

setup-lab: $(PY)
	tools/ensure-system-packages.sh dot:graphviz
	$(PIP) install --quiet -e ".[lab]"
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp binder/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json

setup-test: $(PY)
	tools/ensure-system-packages.sh dot:graphviz chromium:chromium /usr/share/fonts/truetype/liberation:fonts-liberation \
		/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc:fonts-noto-cjk
	$(PIP) install --quiet -e ".[test,teacher]"

setup-teacher: $(PY)
	$(PIP) install --quiet -e ".[teacher]"

lab: setup-lab
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks --ServerApp.port=$(LAB_PORT) \
		--ServerApp.port_retries=0 --no-browser $(ROOT_FLAG) $(LAB_ARGS)

teacher: setup-teacher
	$(PY) notebooks/build.py --nbgrader $(TEACHER_DIR)

lint: setup-test
	$(VENV)/bin/ruff check minigrad widgets tests benchmarks notebooks

test: lint
	$(PY) -m pytest tests notebooks --nbval --nbval-current-env

# Reproduce a mybinder.org build without Docker (needs root): see tools/binder-standin.sh.
binder-check:
	tools/binder-standin.sh .
