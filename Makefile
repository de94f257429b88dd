# Course repository: `make course` runs the course, `make test` tests it (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NBVAL_CELL_TIMEOUT ?= 900

export PATH := $(abspath $(VENV))/bin:$(PATH)
export PYTHONWARNINGS := ignore::DeprecationWarning

.PHONY: course setup data execute site render lab test test-gpu test-unit test-student student handouts clean help

help:
	@echo "make course    set up .venv, fetch data, execute every notebook, build _site/"
	@echo "make test      set up, then ruff + unit tests + every notebook under nbval (CPU)"
	@echo "make student   write the student editions (answers taken out) to student/"
	@echo "make lab | data | render | test-gpu | test-student | clean"

# --- setup -----------------------------------------------------------------------------------
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed: install it and run make again (or make PYTHON=python3.11).")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)
	@echo "Installed the course environment in $(VENV)/"

setup: $(STAMP)

data: $(STAMP)
	$(PY) -m mlpc_helpers.cli fetch

# --- run the course --------------------------------------------------------------------------
execute: data
	rm -rf build/metrics build/executed
	$(PY) -m mlpc_helpers.cli execute --out build/executed

# Student editions: every `solution` cell becomes a stub (see mlpc_helpers/editions.py).
student: $(STAMP)
	$(PY) -m mlpc_helpers.cli student

site: execute
	$(PY) -m mlpc_helpers.cli site --executed build/executed --out _site

course: data
	@if command -v quarto >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory render RENDER_FLAGS=--execute; \
	else \
	  echo "quarto not found: building the site with nbconvert instead"; \
	  $(MAKE) --no-print-directory site; \
	fi
	@$(PY) -m mlpc_helpers.cli check || true
	@echo ""
	@echo "Done. Open _site/index.html (executed notebooks, syllabus, reproduction page)."

render: student
	@command -v quarto >/dev/null 2>&1 || { echo "quarto is not installed: get it from https://quarto.org/docs/get-started/ (or 'conda env create -f environment.yml', which includes it), then run make render again."; exit 2; }
	QUARTO_PYTHON=$(abspath $(PY)) quarto render $(RENDER_FLAGS)

handouts: $(STAMP)
	@command -v quarto >/dev/null 2>&1 || { echo "quarto is not installed: get it from https://quarto.org/docs/get-started/, then run make handouts again."; exit 2; }
	QUARTO_PYTHON=$(abspath $(PY)) quarto render --profile handout

lab: data
	$(VENV)/bin/jupyter lab notebooks/

# --- tests -----------------------------------------------------------------------------------
# Unit tests, then every notebook under nbval (CPU, reduced sizes), then the reproduction check.
# The student editions are built (student/; a rule broken is reported, and fails in pytest)
# and checked in the same run: statically in tests/test_editions.py, and by the plugin mlpc_helpers.nbval_editions, which executes each
# stub and each student-edition check cell inside the nbval kernel of its source notebook.
test: data
	rm -rf build/metrics
	$(VENV)/bin/ruff check .
	-$(PY) -m mlpc_helpers.cli student
	MPLBACKEND=Agg MLPC_DEVICE=cpu HF_HUB_OFFLINE=1 $(PY) -m pytest tests notebooks --nbval-lax \
	  -p mlpc_helpers.nbval_editions \
	  --nbval-cell-timeout=$(NBVAL_CELL_TIMEOUT) --durations=15

test-unit: $(STAMP)
	$(VENV)/bin/ruff check .
	MPLBACKEND=Agg HF_HUB_OFFLINE=1 $(PY) -m pytest tests

# The same with the full published sizes of the cells tagged `gpu` (meant for a GPU machine).
test-gpu: data
	rm -rf build/metrics
	-$(PY) -m mlpc_helpers.cli student
	MPLBACKEND=Agg MLPC_FULL=1 HF_HUB_OFFLINE=1 $(PY) -m pytest tests notebooks --nbval-lax \
	  -p mlpc_helpers.nbval_editions \
	  --nbval-cell-timeout=7200 --durations=15

# Every student edition top to bottom in its own kernel (a stub's NotImplementedError is
# expected: stubs are tagged raises-exception). Not part of `make test`: it costs as much as
# running every notebook again. Metrics go to build/student-metrics, not build/metrics.
test-student: student data
	MPLBACKEND=Agg MLPC_DEVICE=cpu HF_HUB_OFFLINE=1 \
	  MLPC_METRICS_DIR=$(abspath build/student-metrics) $(PY) -m pytest student --nbval-lax \
	  --nbval-cell-timeout=$(NBVAL_CELL_TIMEOUT) --durations=15

clean:
	rm -rf _site build _freeze .quarto student .pytest_cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
	@echo "Removed build outputs. The data cache (data/) and $(VENV)/ stay: rm -rf data/*/ $(VENV) to drop them too."
