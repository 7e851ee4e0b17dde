# offscreen-isf developer commands.  `make demo` and `make test` set up everything they need.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTEST := $(PY) -m pytest -q -p no:cacheprovider
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: install test test-fast lint demo backends clean fuzz bench conformance release-check

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml scripts/system-deps.sh
	PYTHON=$(PYTHON) scripts/system-deps.sh --browser
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# ruff over the tree, mypy --strict over the library (settings in pyproject.toml).
lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy

# PyOpenGL binds one platform per process: lint, all tests on OSMesa, then the GL tests
# again on EGL (llvmpipe) in a second process.
test: lint
	OFFSCREEN_ISF_BACKEND=osmesa $(PYTEST)
	OFFSCREEN_ISF_BACKEND=egl $(PYTEST) -m gl

# Skips the slow leak loops.
test-fast: lint
	OFFSCREEN_ISF_BACKEND=osmesa $(PYTEST) -m "not slow"
	OFFSCREEN_ISF_BACKEND=egl $(PYTEST) -m "gl and not slow"

# Own rule cases + corpus comparison with the VVISF-GL references, on both software backends;
# reports in out/conformance/<backend>/index.html.
conformance: install
	OFFSCREEN_ISF_BACKEND=osmesa $(PY) -m conformance --corpus
	OFFSCREEN_ISF_BACKEND=egl $(PY) -m conformance --corpus

# End-to-end fuzz (parse -> translate -> compile -> render): 10,000 cases per
# backend, in a child interpreter with a per-case deadline.  `make test` runs a sample.
FUZZ_CASES ?= 10000
fuzz: install
	OFFSCREEN_ISF_BACKEND=osmesa ISF_E2E_FUZZ_CASES=$(FUZZ_CASES) $(PYTEST) -s tests/test_fuzz.py
	OFFSCREEN_ISF_BACKEND=egl ISF_E2E_FUZZ_CASES=$(FUZZ_CASES) $(PYTEST) -s -m gl tests/test_fuzz.py

# The demo needs the package alone: no test extras (pytest, dask, linters) before the first frame.
$(DEMO_STAMP): setup.cfg pyproject.toml scripts/system-deps.sh
	PYTHON=$(PYTHON) scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e .
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(VENV)/bin/offscreen-isf demo

# What the release workflow checks: sdist + wheel build, metadata passes twine check --strict.
release-check: install
	$(PY) -m pip install -q -e '.[release]'
	rm -rf dist
	$(PY) -m build
	$(PY) -m twine check --strict dist/*
	$(PY) scripts/check_dist.py dist

backends: install
	$(VENV)/bin/offscreen-isf backends

# Benchmark suite: offscreen-isf vs a raw PyOpenGL loop, moderngl and pyvvisf 0.9.0 on
# every backend that opens here; writes out/bench/{results.json,table.txt,ratios.png}.
# pyvvisf lives in its own venv (.bench/); if it cannot be installed it is reported unavailable.
BENCH_PYVVISF := .bench/pyvvisf-venv
bench: install $(VENV)/.bench-installed
	-@test -x $(BENCH_PYVVISF)/bin/python || { $(PYTHON) -m venv $(BENCH_PYVVISF) && \
	  $(BENCH_PYVVISF)/bin/pip install -q pyvvisf==0.9.0 PyOpenGL-accelerate psutil; }
	$(PY) -m benchmarks $(BENCH_ARGS)

$(VENV)/.bench-installed: $(STAMP)
	$(PY) -m pip install -q -e '.[bench]'
	touch $@

clean:
	rm -rf $(VENV) out build *.egg-info
