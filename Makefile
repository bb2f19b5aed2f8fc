# Everything a newcomer needs is installed by these targets: a virtual environment in .venv
# with the project and its extras, and (as root, where missing) Debian's graphviz and chromium.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help install system-deps demo test lint bench bench-snapshot figures docs lab lab-bench site clean

help:
	@echo "make demo   - train micrograd's two-moons demo and write pictures to demo-output/"
	@echo "make test   - run the whole test suite (and execute the notebooks)"
	@echo "make lint   - ruff, ruff format --check, mypy --strict"
	@echo "make bench  - the speed benchmark against micrograd and PyTorch (and under Pyodide)"
	@echo "make figures - redraw the pictures of the README and the docs into notebooks/figures/"
	@echo "make docs   - build the documentation site into site/ (notebooks executed, strict)"
	@echo "make site   - the documentation and the in-browser lab into site/"
	@echo "make bench-snapshot - run the benchmark and keep its JSON for the docs' benchmarks page"
	@echo "make lab    - build the browser lab into site/lab/ (serve: python3 -m http.server -d site)"
	@echo "make lab-bench - build the lab and time it in headless Chromium (load, Playground speed, Build-your-own cells)"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Graphviz's `dot` draws the graphs; Chromium runs the browser tests; Node's npm installs the
# lab's pinned browser runtimes (Pyodide, viz-js) and the documentation site's MathJax.
system-deps:
	@missing=""; \
	command -v dot >/dev/null 2>&1 || missing="$$missing graphviz"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium chromium-driver"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Note: missing system packages:$$missing. Install them (e.g. 'sudo apt-get install$$missing');"; \
	    echo "      until then drawings use the pip renderer, and the browser tests and the lab are skipped."; \
	  fi; \
	fi

demo: $(STAMP) system-deps
	$(PY) -m nn.demo

# pytest exits 5 when it collects no tests: that means the suite vanished, so say so and fail.
test: $(STAMP) system-deps
	@$(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests (exit 5)" >&2; exit 1; fi; \
	exit $$status

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

bench: $(STAMP) lab/node_modules/.installed
	$(PY) -m benchmarks

# The docs' benchmarks page is generated from this committed JSON, written by the same run.
bench-snapshot: $(STAMP) lab/node_modules/.installed
	$(PY) -m benchmarks --json docs/data/benchmarks.json

# The lab's Pyodide, the version lab/package-lock.json pins: the benchmark also times the demo
# step in it under Node. Without npm (or if npm ci fails) the benchmark runs and says it skipped
# that table.
lab/node_modules/.installed: lab/package.json lab/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  (cd lab && npm ci --no-audit --no-fund --loglevel=error) && touch $@ \
	  || echo "Note: npm ci in lab/ failed: the benchmark skips the step under Pyodide."; \
	else \
	  echo "Note: npm is missing (make system-deps installs it): the benchmark skips the step under Pyodide."; \
	fi

# MkDocs Material, the API reference from the docstrings and the notebooks executed into pages
# (docs/hooks.py). --strict: a broken link, a missing reference or a failing notebook fails.
docs: $(STAMP) system-deps docs/js/node_modules/.installed
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

# MathJax for the notebooks' formulas, the version pinned by docs/js/package-lock.json.
docs/js/node_modules/.installed: docs/js/package.json docs/js/package-lock.json
	cd docs/js && npm ci --no-audit --no-fund --silent
	@touch $@

# The documentation, then the lab into site/lab/ (mkdocs build empties site/, so it goes first).
site: docs
	$(MAKE) lab
	@echo "site/ is ready: .venv/bin/python -m http.server -d site, then open http://127.0.0.1:8000/"

# The README's pictures: the lecture graph, stepper frames and pages of a neuron (here) and of the
# demo's MLP grouped by layer and by neuron, the demo's decision boundary (nn.demo), the demo
# learning frame by frame with its network view (nn.watch) and a screenshot of frame 6 of that page,
# and a screenshot of the stepper's quiz taken by its browser test (needs Chromium).
figures: $(STAMP) system-deps
	$(PY) -m autograd_engine.viz notebooks/figures
	$(PY) -m nn.demo --output notebooks/figures --no-progress
	$(PY) -m nn.watch notebooks/figures
	@if command -v chromium >/dev/null 2>&1; then \
	  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=5000 \
	    --window-size=960,1200 --screenshot="$(CURDIR)/notebooks/figures/watch-frame.png" \
	    "file://$(CURDIR)/notebooks/figures/watch.html#frame=6" 2>/dev/null \
	    && echo "wrote notebooks/figures/watch-frame.png"; \
	else echo "skipped notebooks/figures/watch-frame.png: taking it needs chromium"; fi
	QUIZ_SCREENSHOTS=notebooks/figures $(PY) -m pytest -q -p no:cacheprovider tests/test_stepper_quiz_browser.py -k slip
	PANEL_SCREENSHOTS=notebooks/figures $(PY) -m pytest -q -p no:cacheprovider tests/test_stepper_panel_browser.py -k screenshot

# The lab: a static page running this checkout's engine in the browser (Pyodide and viz-js from
# npm at the versions lab/package-lock.json pins, `npm ci`; this commit's code as a wheel).
# `make site` runs it after `mkdocs build`; alone it writes only site/lab/.
lab: $(STAMP) system-deps
	$(PY) lab/build.py site/lab

# The lab's speed, in headless Chromium from a local server: time to interactive (cold and warm
# cache) and the Playground's steps and redraws per second.
lab-bench: lab
	$(PY) -m benchmarks.lab site/lab

clean:
	rm -rf $(VENV) demo-output bench-output site .cache lab/node_modules docs/js/node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
