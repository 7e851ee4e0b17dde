# offscreen-isf developer commands.  `make demo` and `make test` set up everything they need.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTEST := $(PY) -m pytest -q -p no:cacheprovider
STAMP  := $(VENV)/.installed

.PHONY: install test test-fast demo backends clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml scripts/system-deps.sh
	PYTHON=$(PYTHON) scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# PyOpenGL binds one platform per process: all tests run on OSMesa, then the GL tests
# again on EGL (llvmpipe) in a second process.
test: install
	OFFSCREEN_ISF_BACKEND=osmesa $(PYTEST)
	OFFSCREEN_ISF_BACKEND=egl $(PYTEST) -m gl

# Skips the slow leak loops.
test-fast: install
	OFFSCREEN_ISF_BACKEND=osmesa $(PYTEST) -m "not slow"
	OFFSCREEN_ISF_BACKEND=egl $(PYTEST) -m "gl and not slow"

demo: install
	$(VENV)/bin/offscreen-isf demo

backends: install
	$(VENV)/bin/offscreen-isf backends

clean:
	rm -rf $(VENV) out build *.egg-info
