# Two commands: `make lab` runs trainlab in JupyterLab, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_VERSION ?= 2.13.0
STAMP := $(VENV)/.installed

.PHONY: lab test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch first and pinned: an unpinned install would pull a multi-GB CUDA build.
# The browser test drives the system's Chromium (Debian's package), never a downloaded one.
$(STAMP): $(BIN)/python pyproject.toml hatch_build.py src/trainlab/datasets/scanner.c
	$(BIN)/python -m pip install --quiet "torch==$(TORCH_VERSION)"
	$(BIN)/python -m pip install --quiet -e ".[lab,test]"
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "chromium is not installed: the browser test will be skipped"
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools hatch_build.py

# The notebooks run in a second pytest, without coverage: under pytest-cov nbval's kernels
# did not start (they waited 60 s for the kernel's first message and failed).
test: lint
	$(BIN)/python -m pytest --cov --cov-report=term $(PYTEST_ARGS)
	$(BIN)/python -m pytest notebooks $(NOTEBOOK_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_datasets.py --mb 200 --format jsonl
	$(BIN)/python benchmarks/bench_datasets.py --mb 200 --format csv
	$(BIN)/python benchmarks/bench_datasets.py --mb 200 --format jsonl --bad-percent 1
	$(BIN)/python benchmarks/bench_train.py
	$(BIN)/python benchmarks/bench_jobs.py
	$(BIN)/python benchmarks/bench_api.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage
