# Two commands: `make lab` runs trainlab in JupyterLab, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH_VERSION ?= 2.13.0
LOCK := requirements/dev.lock
STAMP := $(VENV)/.installed
ASAN_LIB := build/asan/_scanner.so
SCANNER := src/trainlab/datasets/scanner.c src/trainlab/datasets/semantics.py
PROXY_LOCK := tests/hub/proxy/package-lock.json
PROXY := tests/hub/proxy/node_modules/.package-lock.json
# The JupyterLab sidebar (labextension/): built into src/trainlab/labextension, linked here.
LABEXT_LINK := $(VENV)/share/jupyter/labextensions/trainlab
JLPM := PATH="$(abspath $(BIN)):$$PATH" jlpm

.PHONY: lab labext test-labext proxy test test-latest test-native-asan test-python-paths lint lock bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch first and pinned: an unpinned install would pull a multi-GB CUDA build. Then exactly the
# versions of requirements/dev.lock (hashes checked, nothing resolved: `make lock` did that),
# then trainlab itself, built with the locked hatchling (no download; the sidebar's jupyter-builder
# hook is skipped: `make labext` builds it, hash-stamped). `make test-latest`
# (LATEST=1) resolves the newest releases pyproject.toml allows instead.
# The browser test drives the system's Chromium (Debian's package), never a downloaded one.
$(STAMP): $(BIN)/python pyproject.toml hatch_build.py $(LOCK) $(SCANNER)
ifeq ($(LATEST),1)
	$(BIN)/python -m pip install --quiet "torch==$(TORCH_VERSION)"
	@if [ -L $(LABEXT_LINK) ]; then rm $(LABEXT_LINK); fi
	SKIP_JUPYTER_BUILDER=1 $(BIN)/python -m pip install --quiet --upgrade --upgrade-strategy eager -e ".[lab,test,hf,ray,hub]"
	$(BIN)/python -m pip list --format=freeze > $(VENV)/resolved.txt
else
	$(BIN)/python -m pip install --quiet --no-deps "torch==$(TORCH_VERSION)"
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	@if [ -L $(LABEXT_LINK) ]; then rm $(LABEXT_LINK); fi
	SKIP_JUPYTER_BUILDER=1 $(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
endif
	$(BIN)/python -m pip check
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "chromium is not installed: the browser test will be skipped"
	touch $(STAMP)

# tests/hub's JupyterHub needs its proxy, configurable-http-proxy, from npm (locked; `npm ci`
# needs the npm registry or a mirror at set-up, like pip's index). Reinstalled when the lock
# changes or node_modules is gone. Without npm the hub test is skipped, which hides the whole
# multi-user proof: said loudly here, and an error under CI (CI set).
$(PROXY): $(PROXY_LOCK)
	@if command -v npm >/dev/null 2>&1; then cd tests/hub/proxy && npm ci --silent --no-audit --no-fund; \
	elif [ -n "$$CI" ]; then \
	  echo "ERROR: npm is not installed: tests/hub (the real JupyterHub test) cannot run." >&2; \
	  echo "Install Node.js and npm (e.g. apt-get install nodejs npm) and run make again." >&2; exit 1; \
	else \
	  echo "" >&2; \
	  echo "*** WARNING: npm is not installed: tests/hub (the real JupyterHub test) WILL BE SKIPPED." >&2; \
	  echo "*** Install Node.js and npm (e.g. apt-get install nodejs npm), then run make again" >&2; \
	  echo "*** (or: cd tests/hub/proxy && npm ci)." >&2; \
	  echo "" >&2; \
	fi

# The sidebar, rebuilt only when its sources changed (a hash of them is stamped into the
# output: 0.1 s when up to date; jlpm install + production build ~1 min the first time), then
# linked into the venv so a rebuild (or `cd labextension && jlpm watch`) is live on reload.
# Without node: skipped with a message (an error under CI=true).
labext: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python tools/build_labextension.py --link $(VENV)

# The sidebar's jest tests (and its formatting); node_modules from yarn.lock, unchanged.
test-labext: labext
	@command -v node >/dev/null 2>&1 || { echo "test-labext: node is not installed: skipped"; \
	  [ "$$CI" != true ]; exit $$?; }; \
	cd labextension && $(JLPM) install --immutable >/dev/null && $(JLPM) test && $(JLPM) prettier:check

lab: labext
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools hatch_build.py

proxy: $(PROXY)

# The notebooks run in a second pytest, without coverage: under pytest-cov nbval's kernels
# did not start (they waited 60 s for the kernel's first message and failed).
test: lint test-labext $(PROXY)
	$(BIN)/python -m pytest --cov --cov-report=term $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-python-paths test-native-asan VENV=$(VENV)
	$(BIN)/python -m pytest notebooks $(NOTEBOOK_ARGS)

# The dataset tests again on the Python paths alone: what a user without a C compiler gets.
test-python-paths: $(STAMP)
	TRAINLAB_NATIVE=0 $(BIN)/python -m pytest -q tests/datasets tests/server/test_datasets_api.py

# The native-vs-Python differential tests against the scanner built with AddressSanitizer and
# UndefinedBehaviorSanitizer (any report fails the run). Needs gcc's libasan and libubsan.
$(ASAN_LIB): $(SCANNER) hatch_build.py | $(STAMP)
	$(BIN)/python hatch_build.py --sanitize $(ASAN_LIB)

# Without a C compiler there is no scanner to test (test_native skips too): said, not failed.
test-native-asan: $(STAMP)
	@command -v cc >/dev/null 2>&1 || { echo "test-native-asan: no C compiler (cc): skipped"; exit 0; }; \
	$(MAKE) --no-print-directory $(ASAN_LIB) VENV=$(VENV)
	@command -v cc >/dev/null 2>&1 || exit 0; \
	LD_PRELOAD="$$(cc -print-file-name=libasan.so) $$(cc -print-file-name=libubsan.so)" \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	TRAINLAB_NATIVE_LIBRARY=$(ASAN_LIB) $(BIN)/python -m pytest -q -p no:cacheprovider \
	  tests/datasets/test_native.py tests/datasets/test_properties.py tests/datasets/test_json_errors.py

# Every release pyproject.toml allows, newest first, in a throwaway environment: a new release
# of a dependency that breaks trainlab shows up here as one failing run, not on a user's machine.
test-latest:
	rm -rf .venv-latest
	$(MAKE) --no-print-directory test VENV=.venv-latest LATEST=1

# Refresh requirements/dev.lock after changing dependencies in pyproject.toml or
# requirements/dev.in (pip-tools, in a throwaway environment), then run `make test`.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet pip-tools
	.venv-lock/bin/pip-compile --quiet --upgrade --generate-hashes --extra lab --extra test --extra hf --extra ray --extra hub \
	  --unsafe-package torch --strip-extras --no-emit-index-url --no-emit-find-links \
	  -o $(LOCK) pyproject.toml requirements/dev.in
	rm -rf .venv-lock

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_datasets.py --mb 200 --format jsonl
	$(BIN)/python benchmarks/bench_datasets.py --mb 200 --format csv
	$(BIN)/python benchmarks/bench_datasets.py --mb 200 --format jsonl --bad-percent 1
	$(BIN)/python benchmarks/bench_frames.py --rows 500000
	$(BIN)/python benchmarks/bench_train.py
	$(BIN)/python benchmarks/bench_hf.py --device cpu
	$(BIN)/python benchmarks/bench_multigpu.py
	$(BIN)/python benchmarks/bench_quality.py
	$(BIN)/python benchmarks/bench_jobs.py
	$(BIN)/python benchmarks/bench_api.py
	$(BIN)/python benchmarks/bench_sidebar.py

clean:
	rm -rf $(VENV) .venv-latest build .pytest_cache .ruff_cache .coverage
	rm -rf labextension/node_modules labextension/lib labextension/coverage src/trainlab/labextension
