# Course repository: `make course` runs the course, `make test` tests it (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NBVAL_CELL_TIMEOUT ?= 900
# Notebooks run in parallel under pytest-xdist (mlpc_course/execute.py: one file per worker).
TEST_WORKERS ?= 2
# What test and render executions share: no progress bars, CPU, one BLAS/torch thread each.
RUN_ENV := MPLBACKEND=Agg MLPC_DEVICE=cpu HF_HUB_OFFLINE=1 TQDM_DISABLE=1 OMP_NUM_THREADS=1 \
  MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE

# Quarto: the one on PATH when it is the pinned version, else a copy in .quarto-cli/ that
# `make quarto` installs (release download, or offline assembly from $$MLPC_QUARTO_SRC).
QUARTO_VERSION := 1.7.34
QUARTO_LOCAL := $(abspath .quarto-cli)/bin/quarto
ifeq ($(origin QUARTO),undefined)
QUARTO := $(shell q=$$(command -v quarto 2>/dev/null) && [ "$$($$q --version 2>/dev/null)" = "$(QUARTO_VERSION)" ] && echo $$q || echo $(QUARTO_LOCAL))
endif
export QUARTO
RENDER := $(RUN_ENV) QUARTO_PYTHON=$(abspath $(PY)) $(PY) tools/render.py

export PATH := $(abspath $(VENV))/bin:$(PATH)
export PYTHONWARNINGS := ignore::DeprecationWarning

.PHONY: course setup lock data data-archives execute site render lab test test-gpu test-unit test-student student handouts clean help quarto browser vendor-js seeds gpu-kit gpu-kit-check grade release

help:
	@echo "make course    set up .venv, fetch data, execute every notebook, build _site/"
	@echo "make test      set up, then ruff + unit tests + every notebook under nbval (CPU)"
	@echo "make student   write the student editions (answers taken out) to student/"
	@echo "make grade SUBMISSIONS=dir/   grade submitted notebooks: build/grades/grades.csv"
	@echo "make release WEEK=N SOLUTIONS=M TAG=t   public material in build/release/public/"
	@echo "make render    render _site/ with Quarto from build/executed/ (make handouts: PDFs)"
	@echo "make seeds     run notebooks for SEEDS seeds (default 10) from FIRST (default 0)"
	@echo "               EXECUTOR=slurm PARTITION= GPUS= TIME_MIN= WORKERS=: on a SLURM cluster"
	@echo "make gpu-kit   build/gpu-kit/: wheels + data + scripts for offline GPU nodes"
	@echo "make setup     install .venv from requirements/lock.txt (make lock refreshes it)"
	@echo "make lab | data | quarto | execute | test-gpu | test-student | clean"

# --- setup -----------------------------------------------------------------------------------
# One locked environment (issue 42): requirements/lock.txt pins every package with its sha256
# (uv pip compile --universal: Linux, macOS arm64, Python 3.11+), from pyproject.toml's core
# and the extras `lab` (Jupyter, the course build) and `test`. `make setup` installs exactly
# that with pip (--require-hashes --no-deps), then the course itself; `make lock` refreshes the
# lock after a change to pyproject.toml (keeps every pin it can; UPGRADE=1: newest releases
# within requirements/constraints.txt, which holds PyTorch at the semester's version).
# TORCH=cpu (Linux): torch and torchvision from PyTorch's CPU index, without PyPI's CUDA wheels
# (give it on a new .venv; the choice is kept in .venv/.torch for later runs).
LOCK := requirements/lock.txt
TORCH ?= $(shell cat $(VENV)/.torch 2>/dev/null || echo pypi)
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
ENVPY := $(PY) -m mlpc_course.environment
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed: install it and run make again (or make PYTHON=python3.11).")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@if [ "$(TORCH)" = cpu ] && [ "$$(uname -s)" = Linux ]; then \
	  set -e; $(ENVPY) without-cuda -o $(VENV)/lock-cpu.txt; \
	  echo "torch, torchvision: CPU wheels from $(TORCH_CPU_INDEX)"; \
	  $(PY) -m pip install --quiet --no-deps --index-url $(TORCH_CPU_INDEX) \
	    "torch==$$($(ENVPY) pin torch)+cpu" "torchvision==$$($(ENVPY) pin torchvision)+cpu" \
	    || { echo "No CPU wheels from $(TORCH_CPU_INDEX) (offline? only PyPI reachable?):" \
	         "rm -rf $(VENV) and run make without TORCH=cpu (PyPI's CUDA build)."; exit 1; }; \
	  $(PY) -m pip install --quiet --require-hashes --no-deps -r $(VENV)/lock-cpu.txt; \
	else \
	  echo "$(PY) -m pip install --require-hashes --no-deps -r $(LOCK)"; \
	  $(PY) -m pip install --quiet --require-hashes --no-deps -r $(LOCK); \
	fi
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet --no-deps -e .
	$(ENVPY) check $(if $(filter cpu,$(TORCH)),--ignore-cuda,)
	$(PY) -m pip check
	@# orix compiles (numba, cache=True) on import: once here, not in parallel jobs later
	$(PY) -c "import orix.quaternion"
	@echo $(TORCH) > $(VENV)/.torch
	@touch $(STAMP)
	@echo "Installed the course environment ($(LOCK)) in $(VENV)/"

setup: $(STAMP)

lock:
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import uv' 2>/dev/null || $(PY) -m pip install --quiet uv
	UV_PYTHON_DOWNLOADS=never $(PY) -m uv pip compile pyproject.toml --extra lab --extra test \
	  -c requirements/constraints.txt --universal --python-version 3.11 --generate-hashes \
	  --quiet $(if $(UPGRADE),--upgrade,) -o $(LOCK)
	@echo "Wrote $(LOCK): commit it; make setup installs it."

data: $(STAMP)
	$(PY) -m mlpc_course.cli fetch

# The instructor's second source for a classroom (issue 42): one zip per dataset, built from the
# verified cache into build/data-archives/, sha256s written into mlpc_helpers/data/archives.json.
# Upload the zips to one release and set base_url in that file (README, Data).
data-archives: $(STAMP)
	$(PY) tools/build_data_archives.py --out build/data-archives --write-config

# --- run the course --------------------------------------------------------------------------
# The one executor (mlpc_course/execute.py): nbval with figures drawn inline, as in `make test`.
execute: data
	rm -rf build/metrics build/executed
	$(RUN_ENV) $(PY) -m mlpc_course.cli execute --out build/executed --workers $(TEST_WORKERS) \
	  --cell-timeout $(NBVAL_CELL_TIMEOUT) -- -q

# Quarto $(QUARTO_VERSION) into .quarto-cli/ (once: a stamp file) unless it is on PATH.
quarto:
	@if [ "$(QUARTO)" = "$(QUARTO_LOCAL)" ]; then \
	  QUARTO_VERSION=$(QUARTO_VERSION) bash tools/install_quarto.sh .quarto-cli; fi
	@echo "quarto $$($(QUARTO) --version): $(QUARTO)"

# KaTeX (maths of pages and decks) from the npm registry into _includes/katex/, at the version
# in package.json / package-lock.json. Only to refresh it: the copy is committed, so rendering
# needs neither Node.js nor the network.
vendor-js:
	bash tools/vendor_js.sh

# Headless Chromium for tests/test_browser.py (Debian package; needs root or sudo). axe-core
# (the accessibility check there) comes with the PyPI package axe-playwright-python (.[test]).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v $${MLPC_CHROMIUM:-chromium} >/dev/null 2>&1 || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends chromium \
	    >/dev/null || { echo "could not install chromium: install it (or set MLPC_CHROMIUM) and run again"; exit 2; }; }

# Student editions: every `solution` cell becomes a stub (see mlpc_course/editions.py).
student: $(STAMP)
	$(PY) -m mlpc_course.cli student

# Grading (issue 36; format: GRADING.md, README "Running the semester"). Every notebook below
# SUBMISSIONS/ runs in a fresh kernel with its exercises' public and hidden tests; writes
# $(GRADES)/grades.csv (student x exercise), grades_long.csv and feedback/<student>.md.
SUBMISSIONS ?=
GRADES ?= build/grades
grade: data
	@test -n "$(SUBMISSIONS)" || { echo "give the folder: make grade SUBMISSIONS=path/to/folder/"; exit 2; }
	$(RUN_ENV) $(PY) -m mlpc_course.cli grade "$(SUBMISSIONS)" --out $(GRADES) \
	  $(if $(WORKERS),--workers $(WORKERS),)

# Release (issue 36): build/release/public/ = the public repository's tree: student editions of
# weeks <= WEEK, solutions of weeks <= SOLUTIONS (default: the schedule in course.yml), the
# course package; the setup cell clones TAG. SITE=1: the student-mode site and handouts in
# public/docs/ (after make execute). COMMIT=<clone of the public repo>: commit + tag there.
WEEK ?=
SOLUTIONS ?=
TAG ?=
COMMIT ?=
release: $(STAMP)
	$(PY) -m mlpc_course.cli release $(if $(WEEK),--week $(WEEK),) \
	  $(if $(SOLUTIONS),--solutions $(SOLUTIONS),) $(if $(TAG),--tag $(TAG),) \
	  $(if $(SITE),--site,) $(if $(COMMIT),--commit $(COMMIT),)

site: execute
	$(PY) -m mlpc_course.cli site --executed build/executed --out _site

course: data
	@if $(MAKE) --no-print-directory quarto; then \
	  $(MAKE) --no-print-directory execute && $(MAKE) --no-print-directory render; \
	else \
	  echo "no Quarto: building the site with nbconvert instead"; \
	  $(MAKE) --no-print-directory site; \
	fi
	@$(PY) -m mlpc_course.cli check || true
	@echo ""
	@echo "Done. Open _site/index.html (executed notebooks, syllabus, reproduction page)."

# Quarto renders a staged copy of the project whose notebooks are the executed copies in
# build/executed/ (written by `make test` or `make execute`): no notebook runs twice. Fails on
# Quarto errors and on warnings about links, crossrefs, embeds, citations, shortcodes.
# The handouts first: the site links them (copied to _site/handouts/).
render: student quarto
	$(RENDER) --profile handout
	$(RENDER)

handouts: student quarto
	$(RENDER) --profile handout

lab: data
	$(VENV)/bin/jupyter lab notebooks/

# --- tests -----------------------------------------------------------------------------------
# Unit tests, then every notebook under nbval (CPU, reduced sizes), then the reproduction check.
# The student editions are built (student/; a rule broken is reported, and fails in pytest)
# and checked in the same run: statically in tests/test_editions.py, and by the plugin mlpc_course.nbval_editions, which executes each
# stub and each student-edition check cell inside the nbval kernel of its source notebook.
# Each notebook is executed once: mlpc_course.nbval_executed writes what nbval ran, with its
# outputs, to build/executed/, and Quarto renders the site, the decks and the handouts from
# there; then the decks are checked in headless Chromium (tests/test_browser.py).
test: data quarto browser
	rm -rf build/metrics build/executed
	$(VENV)/bin/ruff check .
	-$(PY) -m mlpc_course.cli student
	$(RUN_ENV) MLPC_QUARTO=$(QUARTO) $(PY) -m mlpc_course.cli execute --out build/executed \
	  --workers $(TEST_WORKERS) --cell-timeout $(NBVAL_CELL_TIMEOUT) -- tests \
	  -m "not after_notebooks and not after_render" -p mlpc_course.nbval_editions --durations=15
	$(RUN_ENV) $(PY) -m pytest tests -m after_notebooks
	$(RENDER) --profile handout
	$(RENDER)
	$(RUN_ENV) MLPC_AFTER_RENDER=1 $(PY) -m pytest tests -m after_render

test-unit: $(STAMP)
	$(VENV)/bin/ruff check .
	MPLBACKEND=Agg HF_HUB_OFFLINE=1 $(PY) -m pytest tests

# The same with the full published sizes of the cells tagged `gpu` (meant for a GPU machine).
test-gpu: data
	rm -rf build/metrics
	-$(PY) -m mlpc_course.cli student
	MPLBACKEND=Agg MLPC_FULL=1 HF_HUB_OFFLINE=1 $(PY) -m pytest tests notebooks --nbval-lax \
	  -p mlpc_course.nbval_editions \
	  --nbval-cell-timeout=7200 --durations=15

# Every student edition top to bottom in its own kernel (a stub's NotImplementedError is
# expected: stubs are tagged raises-exception). Not part of `make test`: it costs as much as
# running every notebook again. Metrics go to build/student-metrics, not build/metrics.
test-student: student data
	MPLBACKEND=Agg MLPC_DEVICE=cpu HF_HUB_OFFLINE=1 \
	  MLPC_METRICS_DIR=$(abspath build/student-metrics) $(PY) -m pytest student --nbval-lax \
	  --nbval-cell-timeout=$(NBVAL_CELL_TIMEOUT) --durations=15

# Seed sweep (not part of `make test`; README "Seed sweeps"): NOTEBOOKS (stems or patterns;
# default every notebooks/week*.ipynb) for seeds FIRST..FIRST+SEEDS-1 (FIRST default 0),
# each notebook x seed one submitit
# job running the notebook in a fresh kernel with MLPC_SEED set, its metrics in
# build/seeds/<seed>/ (FULL=1 or MLPC_FULL=1: full published sizes, build/seeds-full/).
# EXECUTOR=local (default): this machine, WORKERS jobs at a time (default the CPU count, one
# thread each). EXECUTOR=slurm: a SLURM job array (login node) with PARTITION, GPUS and CPUS
# per job (CPUS = the kernel's threads), MEM_GB, TIME_MIN per job, WORKERS array tasks at a
# time, SLURM_ARGS="account=x qos=y" (more #SBATCH flags), SETUP="module load cuda" (run
# before each job), JOB_PYTHON="apptainer exec --nv img.sif venv/bin/python" (the job's
# Python, e.g. in a container). A failed job is submitted again RETRIES times. Resumable: finished runs
# are skipped. Writes summary.csv/.md and records device, versions, commit, executor, times.
SEEDS ?= 10
FIRST ?= 0
WORKERS ?=
NOTEBOOKS ?=
EXECUTOR ?= local
PARTITION ?=
GPUS ?=
CPUS ?=
MEM_GB ?=
TIME_MIN ?=
SLURM_ARGS ?=
SETUP ?=
JOB_PYTHON ?=
RETRIES ?= 1
FULL ?=
SEEDS_OPTS = --seeds $(SEEDS) --first $(FIRST) --executor $(EXECUTOR) --retries $(RETRIES) \
  $(if $(WORKERS),--workers $(WORKERS),) $(if $(PARTITION),--partition '$(PARTITION)',) \
  $(if $(GPUS),--gpus $(GPUS),) $(if $(CPUS),--cpus $(CPUS),) \
  $(if $(MEM_GB),--mem-gb $(MEM_GB),) $(if $(TIME_MIN),--time-min $(TIME_MIN),) \
  $(foreach a,$(SLURM_ARGS),--slurm '$(a)') $(if $(SETUP),--setup '$(SETUP)',) \
  $(if $(JOB_PYTHON),--job-python '$(JOB_PYTHON)',) $(if $(filter 1,$(FULL)),--full,)
seeds: data
	MPLBACKEND=Agg HF_HUB_OFFLINE=1 $(PY) -m mlpc_course.cli seeds $(SEEDS_OPTS) \
	  $(foreach n,$(NOTEBOOKS),'$(n)')

# GPU kit for offline GPU nodes (tools/gpu_kit.py; README "Seed sweeps on a cluster"):
# build/gpu-kit/ = the wheels a PyTorch image lacks, the data of the notebooks of KIT (neu,
# unet, xrd, attention, or gpu: every notebook with a gpu-tagged cell) verified against the
# manifests, install.sh (offline) and run.sh (full-size sweep, local or SLURM).
# KIT_PYTHON_VERSION=3.12 for an image with another Python. gpu-kit-check: install the kit
# with no network into a stand-in image (this torch only) and run one notebook once, offline.
KIT ?= gpu
KIT_OUT ?= build/gpu-kit
KIT_PYTHON_VERSION ?=
KIT_CHECK_NOTEBOOK ?= week04_xrd_phase_id
gpu-kit: $(STAMP)
	$(PY) tools/gpu_kit.py build --group $(KIT) --out $(KIT_OUT) \
	  $(if $(KIT_PYTHON_VERSION),--python-version $(KIT_PYTHON_VERSION),) \
	  $(if $(NOTEBOOKS),--notebooks $(NOTEBOOKS),)

gpu-kit-check: gpu-kit
	$(PY) tools/gpu_kit.py check --kit $(KIT_OUT) --notebook $(KIT_CHECK_NOTEBOOK)

clean:
	rm -rf _site _handouts build _freeze .quarto student .pytest_cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
	@echo "Removed build outputs. The data cache (data/) and $(VENV)/ stay: rm -rf data/*/ $(VENV) to drop them too."
